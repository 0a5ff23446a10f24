/**
 * The seal stage of the ingest pipeline, between classify and store: a private activity's details are
 * sealed (AES-256-GCM under a data key) and its user, IP, app and action type reduced to blind indexes
 * before the store sees it, so nothing of it reaches the database in the clear (privacy rule 2).
 * Public activities pass unchanged.
 *
 * The implementation is the privacy vault (`services/privacy/privacy-vault.ts`), the one place that
 * holds keys; the pipeline depends only on this interface.
 *
 * @module
 */

import type { ClassifiedActivity } from '../core/activity/activity.js'
import type { NewActivity } from '../storage/store.js'

export interface IngestSealStage {
  /** One record per classified activity, in the same order. */
  seal(batch: readonly ClassifiedActivity[]): Promise<NewActivity[]>
}

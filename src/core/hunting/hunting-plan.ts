/**
 * A checked hunting query, ready for the storage to compile: engine-neutral, typed, every name
 * resolved. A plan is a chain of stages; the first reads `CloudAppEvents` (public activities in the
 * time window), each later one reads the rows of the one before.
 *
 * Within a stage the columns made by `project` and `extend` are substituted into the expressions that
 * use them, so a filter on a renamed column is still a filter on the indexed column. A new stage
 * starts only where SQL needs one: after `summarize` (a grouped stage), and before an operator that
 * must see a stage's rows after its `take` (or before `order by` re-sorts them).
 *
 * Every stage has a total order (the user's keys, then tie-breakers), so that what `take` keeps and the
 * order of the answer are always the same for the same data (privacy rule 4 is tested byte for byte).
 *
 * @module
 */

import type { HuntingField, HuntingType } from './hunting-schema.js'
import type { HuntingWindow } from './hunting-time.js'

/** `contains`, `startswith`, `endswith`, `has` (whole terms), each with or without case. */
export type MatchOperator = 'contains' | 'startswith' | 'endswith' | 'has'

export type ScalarFunction = 'tolower' | 'toupper' | 'strcat' | 'strlen' | 'tostring' | 'bin' | 'iff' | 'coalesce'

export type PlanExpr =
  /** A column of `CloudAppEvents` (first stage only). */
  | { readonly kind: 'field'; readonly type: HuntingType; readonly field: HuntingField }
  /** Output `index` of the previous stage (its visible columns first, then the columns carried for its order). */
  | { readonly kind: 'input'; readonly type: HuntingType; readonly index: number }
  /** datetimes and timespans in ms; null only for a missing value. */
  | { readonly kind: 'literal'; readonly type: HuntingType; readonly value: string | number | boolean | null }
  | { readonly kind: 'arith'; readonly type: HuntingType; readonly op: '+' | '-' | '*' | '/' | '%'; readonly left: PlanExpr; readonly right: PlanExpr }
  | { readonly kind: 'negate'; readonly type: HuntingType; readonly operand: PlanExpr }
  /** `==` (and `=~` with `caseInsensitive`), `<`, `<=`, `>`, `>=`; `!=` is `not(==)`. Operands have the same type, or long and real. */
  | { readonly kind: 'compare'; readonly type: 'bool'; readonly op: '==' | '<' | '<=' | '>' | '>='; readonly caseInsensitive: boolean; readonly left: PlanExpr; readonly right: PlanExpr }
  /** A string operator with a constant pattern; `!contains` is `not(contains)`. */
  | { readonly kind: 'match'; readonly type: 'bool'; readonly op: MatchOperator; readonly caseSensitive: boolean; readonly subject: PlanExpr; readonly pattern: string }
  /** `in (...)`, `in~ (...)` with constant values of the subject's type. */
  | { readonly kind: 'in'; readonly type: 'bool'; readonly caseInsensitive: boolean; readonly subject: PlanExpr; readonly values: ReadonlyArray<string | number | boolean> }
  | { readonly kind: 'between'; readonly type: 'bool'; readonly subject: PlanExpr; readonly low: PlanExpr; readonly high: PlanExpr }
  | { readonly kind: 'and' | 'or'; readonly type: 'bool'; readonly operands: readonly PlanExpr[] }
  | { readonly kind: 'not'; readonly type: 'bool'; readonly operand: PlanExpr }
  /** `isempty(x)`: a string that is empty, or any other value that is missing. */
  | { readonly kind: 'isempty'; readonly type: 'bool'; readonly subject: PlanExpr }
  /** `isnull(x)`: a missing value (a string is never null in KQL: it is empty). */
  | { readonly kind: 'isnull'; readonly type: 'bool'; readonly subject: PlanExpr }
  /** `bin` has a constant positive size (ms for datetimes and timespans) as its second argument. */
  | { readonly kind: 'call'; readonly type: HuntingType; readonly fn: ScalarFunction; readonly args: readonly PlanExpr[] }
  /** `x.a.b[0]` on a dynamic value. */
  | { readonly kind: 'path'; readonly type: 'dynamic'; readonly subject: PlanExpr; readonly path: ReadonlyArray<string | number> }
  /** A dynamic value read as a number (compared with a number): null unless it holds a number. */
  | { readonly kind: 'dynamic-number'; readonly type: 'real'; readonly subject: PlanExpr }

export type PlanAggregate =
  | { readonly fn: 'count' }
  | { readonly fn: 'countif'; readonly predicate: PlanExpr }
  | { readonly fn: 'dcount' | 'min' | 'max' | 'sum' | 'avg'; readonly arg: PlanExpr }

export interface PlanColumn {
  readonly name: string
  readonly type: HuntingType
  readonly expr: PlanExpr
}

export interface PlanAggregateColumn {
  readonly name: string
  readonly type: HuntingType
  readonly aggregate: PlanAggregate
}

export interface PlanOrderKey {
  readonly expr: PlanExpr
  readonly direction: 'asc' | 'desc'
  readonly nulls: 'first' | 'last'
}

interface StageBase {
  /** Conditions on the stage's input, all of which must hold. */
  readonly filters: readonly PlanExpr[]
}

/** A stage that keeps rows: filter, compute columns, sort, limit. */
export interface RowStage extends StageBase {
  readonly kind: 'rows'
  readonly columns: readonly PlanColumn[]
  /** A total order over the input (applied when there is a limit, and to the answer). */
  readonly order: readonly PlanOrderKey[]
  /** Extra outputs after `columns`: the order's expressions, which the next stage orders by. */
  readonly carried: readonly PlanExpr[]
  readonly limit: number | null
}

/** A `summarize`: filter, then one row per distinct key. Its outputs are the keys, then the aggregates. */
export interface GroupStage extends StageBase {
  readonly kind: 'group'
  readonly keys: readonly PlanColumn[]
  readonly aggregates: readonly PlanAggregateColumn[]
}

export type PlanStage = RowStage | GroupStage

export interface HuntingPlan {
  /** The time range of the first stage, always applied. */
  readonly window: HuntingWindow
  /** At least one; the last is a row stage whose columns are the answer. */
  readonly stages: readonly PlanStage[]
  /** Rows the answer may hold; the storage reads one more to tell whether it was cut. */
  readonly maxRows: number
}

/** The answer's columns: the last stage's. */
export function planOutput(plan: HuntingPlan): ReadonlyArray<{ readonly name: string; readonly type: HuntingType }> {
  const last = plan.stages[plan.stages.length - 1]
  return last?.kind === 'rows' ? last.columns.map(({ name, type }) => ({ name, type })) : []
}

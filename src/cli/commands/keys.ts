import type { Command } from 'commander'
import { parsePrivacyKeyHex } from '../../config/privacy-key.js'
import { PrivacyKeyError, rotatePrivacyKey } from '../../services/privacy/privacy-keyring.js'
import { CLI_INITIATOR } from '../../services/service-context.js'
import { CliError, configFrom, print, withRuntime } from '../cli-support.js'

const ROTATE_HELP = `
Re-wraps every data key of private activities under a new key-encryption key (KEK), in one
transaction. Activities are not re-encrypted: they are sealed under the data keys, which stay.

With a key file (VEIL_PRIVACY_KEY_FILE, default privacy.key beside veil.key):
  veil keys rotate
  A new key is made and written to the key file; the old one is kept as <file>.previous until the
  database commit succeeded, then removed. If the rotation is interrupted, Veil still opens every data
  key with the two files; run \`veil keys rotate\` again to finish. Restart the other nodes afterwards
  (nodes that are running keep the data keys they already hold). Back up the new key file.

With VEIL_PRIVACY_KEY (a key from your secret store):
  1. make a new key:          openssl rand -hex 32
  2. re-wrap under it:        VEIL_PRIVACY_KEY=<old> VEIL_PRIVACY_KEY_NEW=<new> veil keys rotate
  3. store <new> as VEIL_PRIVACY_KEY in the secret store and restart every node with it.
  From step 2 on, only <new> opens the data keys; keep <old> until every node was restarted, then
  destroy it.

Every rotation is a governance record (privacy_key.rotate).`

/** `veil keys status|rotate`: the key-encryption key of private activities. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('The key-encryption key of private activities (VEIL_PRIVACY_KEY or the privacy key file)')

  keys
    .command('status')
    .description('Show the key-encryption key in use (its fingerprint, never the key) and which key wraps each data key')
    .action(async (_options, command: Command) => {
      await withRuntime(
        configFrom(command),
        async (runtime) => {
          const status = await runtime.keyring.status()
          print(`privacy key: ${status.origin === 'none' ? 'none configured' : `${status.origin === 'env' ? 'VEIL_PRIVACY_KEY' : status.file}, fingerprint ${status.kekFingerprint}`}`)
          if (status.previousFingerprint) {
            print(`previous key: ${status.file}.previous, fingerprint ${status.previousFingerprint} (an unfinished rotation: run \`veil keys rotate\` to finish it)`)
          }
          print(`data keys: ${status.dataKeys.length}`)
          for (const key of status.dataKeys) {
            print(`  ${key.id}${key.active ? ' (active)' : ''}: wrapped under ${key.kekFingerprint} (${key.wrappedUnder}), created ${new Date(key.createdAt).toISOString()}`)
          }
          if (status.dataKeys.some((k) => k.wrappedUnder === 'unknown')) {
            throw new CliError('some data keys are wrapped under a key that is not configured: private activities they sealed cannot be opened', 1)
          }
        },
        { createKeyIfMissing: false },
      )
    })

  keys
    .command('rotate')
    .description('Re-wrap every data key under a new key-encryption key (see --help for the procedure)')
    .addHelpText('after', ROTATE_HELP)
    .action(async (_options, command: Command) => {
      const nextHex = process.env.VEIL_PRIVACY_KEY_NEW
      let next: Buffer | undefined
      try {
        next = nextHex ? parsePrivacyKeyHex(nextHex, 'VEIL_PRIVACY_KEY_NEW').key : undefined
      } catch (error) {
        throw new CliError(error instanceof Error ? error.message : String(error), 2)
      }
      await withRuntime(
        configFrom(command),
        async (runtime) => {
          if (!runtime.privacyKeys) {
            throw new CliError('no privacy key is configured (VEIL_PRIVACY_KEY or the key file): there is nothing to rotate', 2)
          }
          try {
            await runtime.keyring.verify()
            const report = await rotatePrivacyKey(runtime.store, runtime.privacyKeys, CLI_INITIATOR, runtime.ctx.clock, { next })
            print(`${report.resumed ? 'finished an interrupted rotation' : 'rotated'}: ${report.rewrapped} data key(s) re-wrapped; key-encryption key fingerprint now ${report.fingerprint}`)
            if (runtime.privacyKeys.origin === 'env') {
              print('now set VEIL_PRIVACY_KEY to the new key (VEIL_PRIVACY_KEY_NEW) on every node and restart them')
            }
          } catch (error) {
            if (error instanceof PrivacyKeyError) {
              throw new CliError(error.message, 1)
            }
            throw error
          }
        },
        { createKeyIfMissing: false },
      )
    })
}

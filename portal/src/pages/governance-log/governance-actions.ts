/**
 * Names of governance actions for people. An action missing here is shown by its code (the API's
 * `GOVERNANCE_ACTIONS` is the authority); a test checks every name here is a real action.
 */
export const GOVERNANCE_ACTION_LABELS: Readonly<Record<string, string>> = {
  'activities.reveal': 'Show private activities',
  'activities.export': 'Export activities',
  'privacy_groups.change': 'Change privacy groups',
  'privacy_permission.grant': 'Grant activity privacy permission',
  'privacy_permission.revoke': 'Revoke activity privacy permission',
  'privacy_permission.suspend': 'Suspend activity privacy permission',
  'privacy_permission.reinstate': 'Reinstate activity privacy permission',
  'privacy_permission.expire': 'Activity privacy permission expired',
  'privacy.retroactive': 'Make past activities private',
  'privacy_key.rotate': 'Rotate privacy key',
  'governance.read': 'Read governance log',
  'governance.export': 'Export governance log',
  'account.create': 'Create account',
  'account.roles.change': 'Change roles',
  'account.password.change': 'Change password',
  'account.disable': 'Disable account',
  'account.enable': 'Enable account',
  'token.create': 'Create API token',
  'token.revoke': 'Revoke API token',
  'scope.change': 'Change scoped deployment',
  'managed_domains.change': 'Change managed domains',
  'siem_destination.change': 'Change SIEM destination',
  'siem_destination.backfill': 'Backfill SIEM destination',
  'directory.import': 'Import directory',
  'directory.change': 'Change directory',
}

export function actionLabel(action: string): string {
  return GOVERNANCE_ACTION_LABELS[action] ?? action
}

/**
 * Normalized verbs of Microsoft Entra ID directory operations. The same operation names appear in the
 * Entra audit log (`activityDisplayName`: `Add member to role`) and in the Microsoft 365 unified audit
 * log's AzureActiveDirectory records (`Operation`: `Add member to role.`, with a period); both formats
 * look them up here without the period.
 *
 * @module
 */

const VERBS: readonly (readonly [string, string])[] = [
  ['Add user', 'user.create'],
  ['Update user', 'user.update'],
  ['Delete user', 'user.delete'],
  ['Hard delete user', 'user.delete'],
  ['Restore user', 'user.restore'],
  ['Disable account', 'user.disable'],
  ['Enable account', 'user.enable'],
  ['Invite external user', 'user.invite'],
  ['Invite Internal User', 'user.invite'],
  ['Add member to role', 'role.assign'],
  ['Add eligible member to role', 'role.assign'],
  ['Add member to role in PIM completed (permanent)', 'role.assign'],
  ['Add member to role in PIM completed (timebound)', 'role.assign'],
  ['Add member to role in PIM requested (permanent)', 'role.assign.request'],
  ['Add member to role in PIM requested (timebound)', 'role.assign.request'],
  ['Remove member from role', 'role.unassign'],
  ['Remove eligible member from role', 'role.unassign'],
  ['Delete role assignment', 'role.unassign'],
  ['Remove role assignment', 'role.unassign'],
  ['Add group', 'group.create'],
  ['Update group', 'group.update'],
  ['Delete group', 'group.delete'],
  ['Add member to group', 'group.member.add'],
  ['Remove member from group', 'group.member.remove'],
  ['Add owner to group', 'group.owner.add'],
  ['Reset user password', 'password.reset'],
  ['Reset password (by admin)', 'password.reset'],
  ['Reset password (self-service)', 'password.reset'],
  ['Change user password', 'password.change'],
  ['Change password (self-service)', 'password.change'],
  ['User registered security info', 'mfa.register'],
  ['User changed default security info', 'mfa.update'],
  ['User deleted security info', 'mfa.delete'],
  ['Admin registered security info', 'mfa.register'],
  ['Admin deleted security info', 'mfa.delete'],
  ['Consent to application', 'app.consent'],
  ['Add application', 'app.create'],
  ['Update application', 'app.update'],
  ['Delete application', 'app.delete'],
  ['Add service principal', 'app.create'],
  ['Update service principal', 'app.update'],
  ['Remove service principal', 'app.delete'],
  ['Add service principal credentials', 'app.credential.add'],
  ['Remove service principal credentials', 'app.credential.remove'],
  ['Update application – Certificates and secrets management', 'app.credential.update'],
  ['Add owner to application', 'app.owner.add'],
  ['Add owner to service principal', 'app.owner.add'],
  ['Add delegated permission grant', 'app.permission.grant'],
  ['Add app role assignment to service principal', 'app.permission.grant'],
  ['Add app role assignment grant to user', 'app.assign'],
  ['Add policy', 'policy.create'],
  ['Added policy', 'policy.create'],
  ['Update policy', 'policy.update'],
  ['Delete policy', 'policy.delete'],
  ['Add conditional access policy', 'policy.create'],
  ['Update conditional access policy', 'policy.update'],
  ['Delete conditional access policy', 'policy.delete'],
  ['Update authentication methods policy', 'policy.update'],
  ['Set domain authentication', 'domain.federation.update'],
  ['Set federation settings on domain', 'domain.federation.update'],
  ['Add unverified domain', 'domain.create'],
  ['Verify domain', 'domain.verify'],
  ['Remove verified domain', 'domain.delete'],
  ['Add device', 'device.create'],
  ['Update device', 'device.update'],
  ['Delete device', 'device.delete'],
  ['Set company information', 'tenant.update'],
  ['Update company settings', 'tenant.update'],
]

/** Keyed by the lower-cased operation name: Microsoft writes `Add User.` as well as `Add user`. */
export const DIRECTORY_VERBS: ReadonlyMap<string, string> = new Map(VERBS.map(([name, verb]) => [name.toLowerCase(), verb]))

/** An operation name as {@link DIRECTORY_VERBS} keys it: lower-cased, without surrounding blanks and a final period. */
export function directoryOperation(name: string): string {
  const trimmed = name.trim().toLowerCase()
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed
}

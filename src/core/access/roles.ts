/**
 * Admin roles and what each may do. The matrix is data so that the HTTP layer, the CLI and the tests
 * all read the same table; `can()` is the only place a permission is decided.
 *
 * @module
 */

export const ADMIN_ROLES = ['global_admin', 'security_admin', 'compliance_admin', 'security_reader'] as const
export type AdminRole = (typeof ADMIN_ROLES)[number]

export function isAdminRole(value: string): value is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(value)
}

/** Permissions are `resource.verb`, like governance action names. */
export const PERMISSIONS = [
  'activities.read',
  'activities.ingest',
  'accounts.read',
  'accounts.manage',
  'governance.read',
  'settings.read',
  'settings.manage',
  'directory.read',
  'directory.manage',
  'privacy.read',
  'privacy.manage',
  'siem.read',
  'siem.manage',
  'connectors.read',
  'connectors.manage',
] as const
export type Permission = (typeof PERMISSIONS)[number]

/**
 * The role matrix, modelled on Defender for Cloud Apps' built-in roles:
 * - global admin: everything, including accounts and roles;
 * - security admin: everything about security operations (read, ingest, settings, directory) but not accounts;
 * - compliance admin: reads activities and the governance log, reads settings;
 * - security reader: read-only.
 * The activity privacy permission list (who may reveal private activities) is read by global, security
 * and compliance admins (`privacy.read`) and changed by global admins only (`privacy.manage`).
 * SIEM destinations are seen by every admin role (`siem.read`, status and lag, never secrets) and
 * changed by global and security admins (`siem.manage`), as Defender's security operations settings.
 * Pull connectors likewise: seen by every admin role (`connectors.read`: settings, status, never a
 * credential), changed, run and tested by global and security admins (`connectors.manage`).
 * Anyone without a role is not an admin: they may sign in, see their own profile and manage their own
 * API tokens (which carry no more rights than they have), nothing else.
 */
export const ROLE_PERMISSIONS: Readonly<Record<AdminRole, readonly Permission[]>> = Object.freeze({
  global_admin: PERMISSIONS,
  security_admin: ['activities.read', 'activities.ingest', 'accounts.read', 'governance.read', 'settings.read', 'settings.manage', 'directory.read', 'directory.manage', 'privacy.read', 'siem.read', 'siem.manage', 'connectors.read', 'connectors.manage'],
  compliance_admin: ['activities.read', 'accounts.read', 'governance.read', 'settings.read', 'directory.read', 'privacy.read', 'siem.read', 'connectors.read'],
  security_reader: ['activities.read', 'accounts.read', 'governance.read', 'settings.read', 'directory.read', 'siem.read', 'connectors.read'],
})

/** Who is asking: the authenticated principal, as every decision sees it. */
export interface Viewer {
  readonly upn: string
  readonly roles: readonly AdminRole[]
  /** Set when the request came with an API token (for the governance log), null for a portal session. */
  readonly tokenId: string | null
}

export function isAdmin(viewer: Viewer): boolean {
  return viewer.roles.length > 0
}

/** Whether any of the viewer's roles grants `permission`. */
export function can(viewer: Viewer, permission: Permission): boolean {
  return viewer.roles.some((role) => ROLE_PERMISSIONS[role].includes(permission))
}

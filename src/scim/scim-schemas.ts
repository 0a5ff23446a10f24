/**
 * SCIM schema URNs and the discovery documents (RFC 7643 §5–7, RFC 7644 §4): ServiceProviderConfig,
 * ResourceTypes and Schemas, describing exactly what Veil's SCIM endpoint supports — the attributes it
 * keeps, equality filters, PATCH, no bulk, no sort, no ETags.
 *
 * @module
 */

/** Schema and message URNs (RFC 7643 §8.7, RFC 7644 §3.1). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType'
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema'

/** Page size when the client sends no `count`, and the largest page served (larger counts are lowered). */
export const DEFAULT_PAGE_SIZE = 100
export const MAX_PAGE_SIZE = 1000

type Json = string | number | boolean | null | readonly Json[] | JsonDocument

/** A discovery document (plain JSON). */
export interface JsonDocument {
  readonly [key: string]: Json
}

interface AttributeOptions {
  readonly type?: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime'
  readonly multiValued?: boolean
  readonly required?: boolean
  readonly mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly'
  readonly returned?: 'always' | 'default' | 'never' | 'request'
  readonly uniqueness?: 'none' | 'server' | 'global'
  readonly caseExact?: boolean
  readonly subAttributes?: readonly Json[]
  readonly referenceTypes?: readonly string[]
}

function attribute(name: string, description: string, options: AttributeOptions = {}): Json {
  const { type = 'string', multiValued = false, required = false, mutability = 'readWrite', returned = 'default', uniqueness = 'none', caseExact = false, subAttributes, referenceTypes } = options
  return {
    name,
    type,
    multiValued,
    description,
    required,
    caseExact,
    mutability,
    returned,
    uniqueness,
    ...(subAttributes ? { subAttributes } : {}),
    ...(referenceTypes ? { referenceTypes } : {}),
  }
}

const USER_ATTRIBUTES: readonly Json[] = [
  attribute('userName', 'The user principal name (UPN); Veil stores it lower-cased and matches activity actors by it.', { required: true, uniqueness: 'server' }),
  attribute('name', 'The components of the user\'s name. Veil keeps the display name only; the parts are accepted.', {
    type: 'complex',
    subAttributes: [attribute('formatted', 'The full name'), attribute('givenName', 'Given name (accepted, not kept)'), attribute('familyName', 'Family name (accepted, not kept)')],
  }),
  attribute('displayName', 'The name shown for the user.'),
  attribute('emails', 'Email addresses; an activity actor is matched by any of them. The first is the work address.', {
    type: 'complex',
    multiValued: true,
    subAttributes: [attribute('value', 'The address, stored lower-cased'), attribute('type', 'work for the first address'), attribute('primary', 'True for the first address', { type: 'boolean' })],
  }),
  attribute('active', 'False for a soft-deleted (disabled) user; memberships are kept.', { type: 'boolean' }),
]

const GROUP_ATTRIBUTES: readonly Json[] = [
  attribute('displayName', 'The group\'s name, unique in Veil.', { required: true, uniqueness: 'server' }),
  attribute('members', 'The users in the group now; Veil keeps each membership\'s history.', {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attribute('value', 'The user\'s id', { mutability: 'immutable' }),
      attribute('display', 'The user\'s display name', { mutability: 'readOnly' }),
      attribute('$ref', 'The user\'s URI', { type: 'reference', mutability: 'immutable', referenceTypes: ['User'] }),
      attribute('type', 'Always User', { mutability: 'immutable' }),
    ],
  }),
]

/** A resource's `meta` for the discovery documents. */
function discoveryMeta(resourceType: string, location: string): Json {
  return { resourceType, location }
}

/** The User schema as Veil keeps it (`/Schemas/urn:...:User`). */
export function userSchema(baseUrl: string): JsonDocument {
  return { schemas: [SCHEMA_SCHEMA], id: USER_SCHEMA, name: 'User', description: 'A user in Veil\'s directory', attributes: USER_ATTRIBUTES, meta: discoveryMeta('Schema', `${baseUrl}/Schemas/${USER_SCHEMA}`) }
}

/** The Group schema (`/Schemas/urn:...:Group`). */
export function groupSchema(baseUrl: string): JsonDocument {
  return { schemas: [SCHEMA_SCHEMA], id: GROUP_SCHEMA, name: 'Group', description: 'A group in Veil\'s directory', attributes: GROUP_ATTRIBUTES, meta: discoveryMeta('Schema', `${baseUrl}/Schemas/${GROUP_SCHEMA}`) }
}

/** The User resource type (`/ResourceTypes/User`). */
export function userResourceType(baseUrl: string): JsonDocument {
  return { schemas: [RESOURCE_TYPE_SCHEMA], id: 'User', name: 'User', endpoint: '/Users', description: 'User account', schema: USER_SCHEMA, schemaExtensions: [], meta: discoveryMeta('ResourceType', `${baseUrl}/ResourceTypes/User`) }
}

/** The Group resource type (`/ResourceTypes/Group`). */
export function groupResourceType(baseUrl: string): JsonDocument {
  return { schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: GROUP_SCHEMA, schemaExtensions: [], meta: discoveryMeta('ResourceType', `${baseUrl}/ResourceTypes/Group`) }
}

/** What this endpoint supports (`/ServiceProviderConfig`). */
export function serviceProviderConfig(baseUrl: string): JsonDocument {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A Veil API token (veil token create) of an account allowed to manage the directory, sent as Authorization: Bearer <token>',
        primary: true,
      },
    ],
    meta: discoveryMeta('ServiceProviderConfig', `${baseUrl}/ServiceProviderConfig`),
  }
}

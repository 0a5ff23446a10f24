import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cefEventCategory, CEF_EVENT_CATEGORIES } from '../../../src/siem/cef/cef-event-category.js'
import { formatCef } from '../../../src/siem/cef/cef-format.js'
import { BASE_TIME, buildActivity } from '../../helpers/factories.js'
import { parseCef } from './cef-parser.js'

const OPTIONS = { vendor: 'Veil', product: 'Veil', version: '0.1.0', portalUrl: 'https://veil.example.com/' }

const AGENT_KEYS = [
  'externalId',
  'rt',
  'start',
  'end',
  'msg',
  'suser',
  'destinationServiceName',
  'dvc',
  'requestClientApplication',
  'cs1Label',
  'cs1',
  'cs2Label',
  'cs2',
  'cs3Label',
  'cs3',
  'cs4Label',
  'cs4',
  'c6a1Label',
  'c6a1',
]

// Text that stresses the escaping: pipes, backslashes, equals, line breaks, spaces, key-like runs, unicode.
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('|', '\\', '=', '\n', '\r', ' ', 'a', 'k', '=', 'é', '😀', 'x=y', ' cs1=', '\\n'), maxLength: 30 }),
  fc.constantFrom('', ' ', '\\', '=', '|', ' key=value ', 'trailing\\', 'a\r\nb', 'msg=x suser=y'),
)

describe('formatCef', () => {
  it("should write the agent's header and every extension key, in its order", () => {
    const activity = buildActivity({
      id: 'a-1',
      app: 'Microsoft SharePoint Online',
      action: { type: 'file.download', name: 'FileDownloaded' },
      description: 'Downloaded budget.xlsx',
      target: { type: 'file', id: 'f-1', name: 'budget.xlsx' },
    })
    const line = formatCef(activity, OPTIONS)
    expect(line.startsWith('CEF:0|Veil|Veil|0.1.0|EVENT_CATEGORY_DOWNLOAD_FILE|FileDownloaded|0|externalId=a-1 rt=')).toBe(true)
    const cef = parseCef(line)
    expect(cef.keys).toEqual(AGENT_KEYS)
    expect(cef.extension).toEqual({
      externalId: 'a-1',
      rt: String(BASE_TIME),
      start: String(BASE_TIME),
      end: String(BASE_TIME),
      msg: 'Downloaded budget.xlsx',
      suser: 'ann@example.com',
      destinationServiceName: 'Microsoft SharePoint Online',
      dvc: '203.0.113.7',
      requestClientApplication: 'Mozilla/5.0 (X11; Linux x86_64)',
      cs1Label: 'portalURL',
      cs1: 'https://veil.example.com/#/activities/a-1',
      cs2Label: 'uniqueServiceAppIds',
      cs2: 'APPID_MICROSOFT_SHAREPOINT_ONLINE',
      cs3Label: 'targetObjects',
      cs3: 'budget.xlsx,f-1,file',
      cs4Label: 'policyIDs',
      cs4: '',
      c6a1Label: '"Device IPv6 Address"',
      c6a1: '',
    })
  })

  it('should put an IPv6 address in c6a1 and leave dvc empty', () => {
    const cef = parseCef(formatCef(buildActivity({ ip: '2001:db8::7' }), OPTIONS))
    expect(cef.extension.dvc).toBe('')
    expect(cef.extension.c6a1).toBe('2001:db8::7')
  })

  it('should treat an IPv4-mapped IPv6 address as IPv4 and ignore text that is no address', () => {
    expect(parseCef(formatCef(buildActivity({ ip: '::ffff:192.0.2.9' }), OPTIONS)).extension.dvc).toBe('192.0.2.9')
    const bad = parseCef(formatCef(buildActivity({ ip: 'not-an-ip' }), OPTIONS)).extension
    expect([bad.dvc, bad.c6a1]).toEqual(['', ''])
  })

  it('should say the action and target in msg when the activity has no description', () => {
    const activity = buildActivity({ description: null, action: { type: 'file.download', name: 'FileDownloaded' }, target: { type: 'file', id: null, name: 'q3.pdf' } })
    expect(parseCef(formatCef(activity, OPTIONS)).extension.msg).toBe('FileDownloaded: q3.pdf')
  })

  it('should escape header fields: pipes and backslashes, line breaks as spaces', () => {
    const activity = buildActivity({ action: { type: 'x', name: 'a|b\\c\nd' } })
    const line = formatCef(activity, { ...OPTIONS, vendor: 'V|e\\il', product: 'P\r\nQ' })
    expect(line).toContain('CEF:0|V\\|e\\\\il|P Q|0.1.0|')
    const cef = parseCef(line)
    expect([cef.vendor, cef.product, cef.name]).toEqual(['V|e\\il', 'P Q', 'a|b\\c d'])
  })

  it('should round-trip any extension value through an independent parser', () => {
    fc.assert(
      fc.property(nasty, nasty, nasty, nasty, nasty, (description, upn, app, userAgent, id) => {
        const activity = buildActivity({ id, description: description === '' ? 'x' : description, app, actor: { upn }, device: { userAgent }, target: { type: null, id: null, name: null } })
        const cef = parseCef(formatCef(activity, OPTIONS))
        expect(cef.keys).toEqual(AGENT_KEYS)
        expect(cef.extension.externalId).toBe(id)
        expect(cef.extension.msg).toBe(activity.description)
        expect(cef.extension.suser).toBe(upn)
        expect(cef.extension.destinationServiceName).toBe(app)
        expect(cef.extension.requestClientApplication).toBe(userAgent)
      }),
      { numRuns: 500 },
    )
  })

  it('should round-trip header fields except line breaks, which become spaces', () => {
    fc.assert(
      fc.property(nasty, nasty, nasty, (vendor, product, name) => {
        const cef = parseCef(formatCef(buildActivity({ action: { type: 'login', name } }), { ...OPTIONS, vendor, product }))
        const flat = (s: string) => s.replace(/\r\n|[\r\n]/g, ' ')
        expect([cef.vendor, cef.product, cef.name, cef.severity]).toEqual([flat(vendor), flat(product), flat(name), '0'])
        expect(cef.keys).toEqual(AGENT_KEYS)
      }),
      { numRuns: 300 },
    )
  })

  it('should stay within maxBytes, shortening free text first, and still parse', () => {
    fc.assert(
      fc.property(nasty, fc.string({ minLength: 0, maxLength: 3000 }), fc.integer({ min: 480, max: 2500 }), (userAgent, description, maxBytes) => {
        const activity = buildActivity({ description: `${description}=\\\n${description}`, device: { userAgent: userAgent.repeat(20) } })
        const line = formatCef(activity, { ...OPTIONS, maxBytes })
        expect(Buffer.byteLength(line)).toBeLessThanOrEqual(maxBytes)
        const full = formatCef(activity, OPTIONS)
        if (Buffer.byteLength(full) <= maxBytes) {
          expect(line).toBe(full)
        } else {
          // The fixed fields fit in 480 bytes (the smallest setting), so only free text was shortened: the line still has every key.
          expect(parseCef(line).keys).toEqual(AGENT_KEYS)
          expect(parseCef(line).extension.externalId).toBe(activity.id)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('should cut a line whose fixed fields alone are too long without splitting a character or an escape', () => {
    const activity = buildActivity({ id: '😀=\\'.repeat(400), app: 'é'.repeat(300) })
    for (const maxBytes of [100, 101, 102, 103, 150, 333]) {
      const line = formatCef(activity, { ...OPTIONS, maxBytes })
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(maxBytes)
      expect(line).not.toContain('\uFFFD')
      expect(/(^|[^\\])(\\\\)*\\$/.test(line)).toBe(false)
    }
  })
})

describe('cefEventCategory', () => {
  const cases: Array<[string, 'success' | 'failure' | 'unknown', string]> = [
    ['login', 'success', 'EVENT_CATEGORY_LOGIN'],
    ['login', 'failure', 'EVENT_CATEGORY_FAILED_LOGIN'],
    ['login.failed', 'unknown', 'EVENT_CATEGORY_FAILED_LOGIN'],
    ['login.sso', 'success', 'EVENT_CATEGORY_SSO_LOGIN'],
    ['user.authentication.sso', 'success', 'EVENT_CATEGORY_SSO_LOGIN'],
    ['user.authentication.auth_via_mfa', 'success', 'EVENT_CATEGORY_LOGIN'],
    ['user.session.start', 'success', 'EVENT_CATEGORY_LOGIN'],
    ['user.session.start', 'failure', 'EVENT_CATEGORY_FAILED_LOGIN'],
    ['logout', 'success', 'EVENT_CATEGORY_LOGOUT'],
    ['user.session.end', 'success', 'EVENT_CATEGORY_LOGOUT'],
    ['file.download', 'success', 'EVENT_CATEGORY_DOWNLOAD_FILE'],
    ['repo.download_zip', 'success', 'EVENT_CATEGORY_DOWNLOAD_FILE'],
    ['object.read', 'success', 'EVENT_CATEGORY_DOWNLOAD_FILE'],
    ['file.upload', 'success', 'EVENT_CATEGORY_UPLOAD_FILE'],
    ['object.write', 'success', 'EVENT_CATEGORY_UPLOAD_FILE'],
    ['file.view', 'success', 'EVENT_CATEGORY_VIEW_FILE'],
    ['file.modify', 'success', 'EVENT_CATEGORY_EDIT_FILE'],
    ['file.delete', 'success', 'EVENT_CATEGORY_DELETE_FILE'],
    ['file.share', 'success', 'EVENT_CATEGORY_SHARE_FILE'],
    ['file.rename', 'success', 'EVENT_CATEGORY_RENAME_FILE'],
    ['file.create', 'success', 'EVENT_CATEGORY_CREATE_FILE'],
    ['user.create', 'success', 'EVENT_CATEGORY_CREATE_USER'],
    ['user.delete', 'success', 'EVENT_CATEGORY_DELETE_USER'],
    ['user.update', 'success', 'EVENT_CATEGORY_EDIT_USER'],
    ['password.change', 'success', 'EVENT_CATEGORY_CHANGE_PASSWORD'],
    ['user.account.update_password', 'success', 'EVENT_CATEGORY_CHANGE_PASSWORD'],
    ['role.assign', 'success', 'EVENT_CATEGORY_CHANGE_PERMISSIONS'],
    ['group.member.add', 'success', 'EVENT_CATEGORY_CHANGE_PERMISSIONS'],
    ['mailbox.permission.add', 'success', 'EVENT_CATEGORY_CHANGE_PERMISSIONS'],
    ['app.consent', 'success', 'EVENT_CATEGORY_CHANGE_PERMISSIONS'],
    ['mail.send', 'success', 'EVENT_CATEGORY_SEND_MESSAGE'],
    ['report.view', 'success', 'EVENT_CATEGORY_VIEW_REPORT'],
    ['mailbox.rule.create', 'success', 'EVENT_CATEGORY_CREATE_OBJECT'],
    ['instance.create', 'success', 'EVENT_CATEGORY_CREATE_OBJECT'],
    ['channel.delete', 'success', 'EVENT_CATEGORY_DELETE_OBJECT'],
    ['mailbox.update', 'success', 'EVENT_CATEGORY_EDIT_OBJECT'],
    ['instance.list', 'success', 'EVENT_CATEGORY_VIEW_OBJECT'],
    ['meeting.join', 'success', 'EVENT_CATEGORY_UNSPECIFIED'],
    ['', 'success', 'EVENT_CATEGORY_UNSPECIFIED'],
  ]

  it.each(cases)("should map '%s' (%s) to %s", (type, result, category) => {
    expect(cefEventCategory({ action: { type, name: type }, result })).toBe(category)
  })

  it('should always give one of the listed categories, in upper-case header-safe text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom('success' as const, 'failure' as const, 'unknown' as const), (type, result) => {
        const category = cefEventCategory({ action: { type, name: type }, result })
        expect(CEF_EVENT_CATEGORIES).toContain(category)
        expect(category).toMatch(/^EVENT_CATEGORY_[A-Z_]+$/)
      }),
    )
  })
})

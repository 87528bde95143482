/*
| No secret a person types reaches the session store. A form that fails
| validation is redirected back with its input flashed to the session (a
| `sessions` row when signed in, the encrypted `authentix_guest` cookie for a
| guest), so every secret-looking field must be held back
| (`isSecretField` in core/http/forms.ts). The forms are read from the router:
| a form added later is submitted here without anyone listing it.
*/
import { test } from '@japa/runner'
import { randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiClient } from '@japa/api-client'
import { GUEST_SESSION_COOKIE } from '#core/services/session_store'
import PasswordResetToken from '#identity/models/password_reset_token'
import CertificateCategory from '#orgs/models/certificate_category'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import Industry from '#orgs/models/industry'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { givenDelivery } from '#tests/helpers/delivery_records'
import { givenInvoice } from '#tests/helpers/razorpay'
import { unsubscribeUrl } from '#deliveries/services/delivery_links'
import DeliveryTemplate from '#deliveries/models/delivery_template'
import Certificate from '#certificates/models/certificate'
import FileImportRow from '#imports/models/file_import_row'
import { generateToken, hashToken } from '#core/services/tokens'
import { actingAs, givenCustomRole, givenMember, givenOrg, givenUser } from '#tests/helpers/given'
import { givenInvitation } from '#tests/helpers/orgs'
import { givenBrandingAsset } from '#tests/helpers/given_templates'
import { givenJob, runJobs } from '#tests/helpers/certificates'
import {
  registeredRoutes,
  STATE_CHANGING_METHODS,
  type RegisteredRoute,
} from '#tests/helpers/routes'
import { givenProbeIntegration } from '#tests/helpers/deliveries'

const probe = randomBytes(6).toString('hex')

/** Every field name a secret goes by in our forms, each with a value found nowhere else. */
const SECRETS: Record<string, string> = Object.fromEntries(
  [
    'password',
    'password_confirmation',
    'current_password',
    'email_password',
    'new_password',
    'secret',
    'client_secret',
    'token',
    'access_token',
    'api_key',
    'webhook_signing_key',
    'smtp_password',
    'passphrase',
    'otp',
  ].map((field) => [field, `secret-${field}-${probe}`])
)
/** Typed alongside the secrets: it must come back, or the form flashed nothing and proved nothing. */
const VISIBLE = `visible-${probe}`
const NESTED_SECRET = `secret-nested-${probe}`

/** A body that fails any of our validators (bad email, empty names) and carries every secret. */
function failingForm() {
  return {
    ...SECRETS,
    email: 'not-an-email',
    name: '',
    full_name: '',
    organization_name: '',
    // Forms whose fields are all optional fail on a value of the wrong kind.
    page: 'not-a-page',
    header_row: 'not-a-row',
    hidden: 'maybe',
    status: 'bogus',
    which: 'bogus',
    template_ids: 'not-a-list',
    mapping: 'not-a-mapping',
    probe_note: VISIBLE,
    delivery: { smtp_password: NESTED_SECRET, smtp_user: VISIBLE },
  }
}

/** Web forms: state-changing routes outside the JSON API (which has no session). */
function webForms() {
  return registeredRoutes().filter(
    (route) =>
      STATE_CHANGING_METHODS.includes(route.method) &&
      !route.pattern.startsWith('/api/') &&
      // Providers' webhooks are no web forms: they never flash input back.
      !route.pattern.startsWith('/webhooks/')
  )
}

/**
 * A record of the acting org for each kind of `:param`, picked by the path
 * before it. A form under a new path fails here until it has one, so it
 * cannot be skipped silently.
 */
async function recordsOf() {
  const { org, owner } = await givenOrg()
  const { member } = await givenMember(org, 'member')
  const role = await givenCustomRole(org, ['audit.view'], 'Probe role')
  const { invitation, token: invitationToken } = await givenInvitation(org)
  const stranger = await givenUser()
  const resetToken = generateToken()
  await PasswordResetToken.create({
    userId: stranger.id,
    tokenHash: hashToken(resetToken),
    expiresAt: DateTime.now().plus({ hours: 1 }),
    usedAt: null,
  })
  const apiKey = await OrganizationApiKey.create({
    organizationId: org.id,
    name: 'Probe key',
    prefix: 'atx_pppppppp',
    keyHash: hashToken(`atx_${generateToken(32)}`),
  })
  const industry = await Industry.findByOrFail('key', 'edtech')
  const category = await CertificateCategory.create({
    industryId: industry.id,
    organizationId: org.id,
    key: 'probe_category',
    name: 'Probe category',
    sortOrder: 100,
  })
  const subcategory = await CertificateSubcategory.create({
    categoryId: category.id,
    organizationId: org.id,
    key: 'probe_subcategory',
    name: 'Probe subcategory',
    sortOrder: 100,
  })
  const asset = await givenBrandingAsset(org)
  const { job, templateIds, importJob } = await givenJob(org, { count: 1 })
  await runJobs(job.id)
  const certificate = await Certificate.query().where('generation_job_id', job.id).firstOrFail()
  const row = await FileImportRow.query().where('import_job_id', importJob.id).firstOrFail()
  const integration = await givenProbeIntegration(org)
  const deliveryTemplate = await DeliveryTemplate.create({
    organizationId: org.id,
    channel: 'email',
    name: 'Probe mail',
    locale: 'en',
    isActive: true,
    isDefault: true,
    emailSubject: 'Hello',
    body: '<p>Hello {recipient_name}</p>',
    emailTextBody: null,
    whatsappTemplateName: null,
    whatsappLanguage: null,
    whatsappParameters: [],
    variables: ['recipient_name'],
    createdBy: null,
    updatedBy: null,
  })

  const suppression = await DeliverySuppression.create({
    organizationId: org.id,
    channel: 'email',
    address: 'probe-suppressed@example.test',
    reason: 'manual',
  })
  const { delivery, messages } = await givenDelivery(org, job)
  const invoice = await givenInvoice(org)

  const byPath: Array<[RegExp, string]> = [
    [/^\/join\/:token/, invitationToken],
    [/^\/reset-password\/:token/, resetToken],
    [/^\/settings\/categories\/:id/, category.id],
    [/^\/settings\/subcategories\/:id/, subcategory.id],
    [/^\/settings\/branding\/:id/, asset.id],
    [/^\/members\/:id/, member.id],
    [/^\/invitations\/:id/, invitation.id],
    [/^\/roles\/:id/, role.id],
    [/^\/api-keys\/:id/, apiKey.id],
    [/^\/settings\/delivery\/:id/, integration.id],
    [/^\/templates\/:id/, templateIds[0]],
    [/^\/imports\/:id/, importJob.id],
    [/^\/imports\/[^/]+\/rows\/:row_id/, row.id],
    [/^\/generation-jobs\/:id/, job.id],
    [/^\/certificates\/:id/, certificate.id],
    [/^\/settings\/delivery\/templates\/:id/, deliveryTemplate.id],
    [/^\/settings\/delivery\/suppressions\/:id/, suppression.id],
    [/^\/delivery-messages\/:id/, messages[0].id],
    [/^\/deliveries\/:id/, delivery.id],
    [/^\/billing\/invoices\/:id/, invoice.id],
    [
      /^\/deliveries\/unsubscribe\/:token/,
      unsubscribeUrl({ organizationId: org.id, channel: 'email', address: 'probe@example.test' })
        .split('/')
        .pop()!,
    ],
    [/^\/generation-jobs\/:job_id/, job.id],
  ]
  /** The route's URL with each parameter filled from the path before it. */
  function urlOf(pattern: string) {
    let url = pattern
    while (/:[a-z_]+/i.test(url)) {
      const param = /:[a-z_]+/i.exec(url)!
      const upTo = url.slice(0, param.index + param[0].length)
      const found = byPath.find(([path]) => path.test(upTo))
      if (!found) throw new Error(`no record for ${param[0]} in ${pattern}: add one to recordsOf()`)
      url = url.slice(0, param.index) + found[1] + url.slice(param.index + param[0].length)
    }
    return url
  }
  return { org, owner, urlOf }
}

function submit(client: ApiClient, route: RegisteredRoute, url: string) {
  return client
    .request(url, route.method as any)
    .redirects(0)
    .withCsrfToken()
    .form(failingForm())
}

async function sessionRows(): Promise<Array<{ id: string; data: string }>> {
  return db.from('sessions').select('id', 'data')
}

test.group('Secrets never reach the session store', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('every web form, failing validation, flashes its input back without a single secret field', async ({
    client,
    assert,
  }) => {
    const { org, owner, urlOf } = await recordsOf()
    const forms = webForms()
    assert.isAbove(forms.length, 30, 'the router lists the web forms')

    const flashedBack: string[] = []
    const leaks: string[] = []
    const failures: string[] = []
    const before = await sessionRows()
    let seen = new Set(before.map((row) => row.id))
    for (const route of forms) {
      const key = `${route.method} ${route.pattern}`
      const request = submit(client, route, urlOf(route.pattern))
      const signedIn = route.middleware.includes('auth') || route.middleware.includes('org')
      const response = await (signedIn ? actingAs(request, owner, org) : request)
      if (response.status() >= 500) failures.push(`${key} answered ${response.status()}`)

      const rows = await sessionRows()
      const fresh = rows.filter((row) => !seen.has(row.id))
      seen = new Set(rows.map((row) => row.id))
      const guest = response.cookie(GUEST_SESSION_COOKIE)?.value
      const stored = [...fresh.map((row) => row.data), ...(guest ? [JSON.stringify(guest)] : [])]
      for (const data of stored) {
        for (const [field, value] of Object.entries(SECRETS))
          if (data.includes(value)) leaks.push(`${key} stored "${field}"`)
        if (data.includes(NESTED_SECRET)) leaks.push(`${key} stored a nested secret`)
        if (data.includes(VISIBLE)) flashedBack.push(key)
      }
    }
    assert.deepEqual(leaks, [], 'secrets in the session store')
    assert.deepEqual(failures, [], 'forms that failed on bad input')

    // The forms that carry secrets did flash their input: the assertions above were exercised.
    for (const key of [
      'POST /login',
      'POST /signup',
      'PUT /account/password',
      'PUT /account/email',
      'PUT /reset-password/:token',
      'POST /join/:token',
      'POST /roles',
      'POST /invitations',
    ])
      assert.include(flashedBack, key, `${key} flashed no input back`)
  }).timeout(300_000)
})

/*
| Target A1 (shared/reference/security.md): every route has an entry in this
| matrix, and every actor gets exactly what the matrix says. A new route
| without an entry fails the first test, so nobody can forget its rules.
*/
import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import router from '@adonisjs/core/services/router'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiClient } from '@japa/api-client'
import OrganizationInvitation from '#orgs/models/organization_invitation'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import CertificateCategory from '#orgs/models/certificate_category'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'
import Industry from '#orgs/models/industry'
import { generateToken, hashToken } from '#core/services/tokens'
import type { Permission } from '#orgs/policies/permissions'
import {
  actingAs,
  givenCustomRole,
  givenMember,
  givenOrg,
  givenUser,
  roleOf,
} from '#tests/helpers/given'
import User from '#identity/models/user'
import { givenBrandingAsset, givenTemplate } from '#tests/helpers/given_templates'
import CreateManualImport from '#imports/actions/create_manual_import'
import AddImportRows from '#imports/actions/add_import_rows'
import Certificate from '#certificates/models/certificate'
import { givenJob, runJobs } from '#tests/helpers/certificates'
import { givenProbeIntegration } from '#tests/helpers/deliveries'
import DeliveryTemplate from '#deliveries/models/delivery_template'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { givenDelivery } from '#tests/helpers/delivery_records'
import { givenInvoice, givenOrder } from '#tests/helpers/razorpay'

type IdKind =
  | 'member'
  | 'invitation'
  | 'role'
  | 'api_key'
  | 'category'
  | 'subcategory'
  | 'template'
  | 'branding_asset'
  | 'import'
  | 'generation_job'
  | 'certificate'
  | 'delivery_integration'
  | 'delivery_template'
  | 'delivery_suppression'
  | 'delivery_message'
  | 'delivery'
  | 'billing_invoice'
  | 'billing_order'

type Rule =
  | { access: 'public' }
  | { access: 'guest' }
  | { access: 'signed_in' }
  | { access: 'org'; permission: Permission | 'any'; id?: IdKind }
  | { access: 'api' }

const MATRIX: Record<string, Rule> = {
  'GET /healthz': { access: 'public' },
  // Providers' webhooks: authenticated by signature (and the verify token for the handshake).
  'GET /webhooks/whatsapp/:integration_id': { access: 'public' },
  'POST /webhooks/whatsapp/:integration_id': { access: 'public' },
  'POST /webhooks/email/:integration_id': { access: 'public' },
  'POST /webhooks/razorpay': { access: 'public' },
  // Checkout's return: believed only with Razorpay's signature over the order we stored.
  'POST /billing/razorpay/callback': { access: 'public' },
  'GET /billing/razorpay/callback': { access: 'public' },
  'POST /billing/invoices/:id/payment': {
    access: 'org',
    permission: 'billing.manage',
    id: 'billing_invoice',
  },
  'GET /billing/orders/:id/checkout': {
    access: 'org',
    permission: 'billing.manage',
    id: 'billing_order',
  },
  'GET /billing': { access: 'org', permission: 'billing.view' },
  'PUT /billing/details': { access: 'org', permission: 'billing.manage' },
  'PUT /billing/spend-controls': { access: 'org', permission: 'billing.manage' },
  'POST /billing/top-ups': { access: 'org', permission: 'billing.manage' },
  'GET /billing/ledger.csv': { access: 'org', permission: 'billing.view' },
  'GET /billing/invoices/:id/pdf': {
    access: 'org',
    permission: 'billing.view',
    id: 'billing_invoice',
  },
  'GET /assets/vendor/:file': { access: 'public' },
  'GET /': { access: 'public' },
  'GET /join/:token': { access: 'public' },
  'POST /join/:token': { access: 'public' },
  'GET /v/:token': { access: 'public' },
  'GET /v/:token/pdf': { access: 'public' },
  'GET /v/:token/logo': { access: 'public' },
  'GET /verify': { access: 'public' },
  'POST /verify': { access: 'public' },
  'GET /api/v1/verify/:token': { access: 'public' },
  'POST /api/v1/verify/pdf': { access: 'public' },
  'GET /deliveries/pdf/:token': { access: 'public' },
  'GET /deliveries/r/:token': { access: 'public' },
  'GET /deliveries/o/:token': { access: 'public' },
  'GET /deliveries/unsubscribe/:token': { access: 'public' },
  'POST /deliveries/unsubscribe/:token': { access: 'public' },

  'GET /login': { access: 'guest' },
  'POST /login': { access: 'guest' },
  'GET /forgot-password': { access: 'guest' },
  'POST /forgot-password': { access: 'guest' },
  'GET /reset-password/:token': { access: 'guest' },
  'PUT /reset-password/:token': { access: 'guest' },
  'GET /signup': { access: 'guest' },
  'POST /signup': { access: 'guest' },

  'POST /logout': { access: 'signed_in' },
  'GET /account': { access: 'signed_in' },
  'PUT /account/profile': { access: 'signed_in' },
  'PUT /account/password': { access: 'signed_in' },
  'PUT /account/email': { access: 'signed_in' },
  'PUT /current-org': { access: 'signed_in' },
  'GET /organizations/new': { access: 'signed_in' },
  'POST /organizations': { access: 'signed_in' },

  'GET /dashboard': { access: 'org', permission: 'any' },
  'GET /settings/organization': { access: 'org', permission: 'org.manage' },
  'PUT /settings/organization': { access: 'org', permission: 'org.manage' },
  'GET /settings/organization/number-preview': { access: 'org', permission: 'org.manage' },
  'GET /settings/categories': { access: 'org', permission: 'org.manage' },
  'POST /settings/categories': { access: 'org', permission: 'org.manage' },
  'PUT /settings/categories/:id': { access: 'org', permission: 'org.manage', id: 'category' },
  'POST /settings/categories/:id/subcategories': {
    access: 'org',
    permission: 'org.manage',
    id: 'category',
  },
  'PUT /settings/subcategories/:id': { access: 'org', permission: 'org.manage', id: 'subcategory' },
  'GET /members': { access: 'org', permission: 'any' },
  'GET /members/:id/edit': { access: 'org', permission: 'members.manage', id: 'member' },
  'PUT /members/:id': { access: 'org', permission: 'members.manage', id: 'member' },
  'DELETE /members/:id': { access: 'org', permission: 'members.manage', id: 'member' },
  'GET /invitations': { access: 'org', permission: 'members.manage' },
  'POST /invitations': { access: 'org', permission: 'members.manage' },
  'DELETE /invitations/:id': { access: 'org', permission: 'members.manage', id: 'invitation' },
  'POST /invitations/:id/delivery': {
    access: 'org',
    permission: 'members.manage',
    id: 'invitation',
  },
  'GET /roles': { access: 'org', permission: 'roles.manage' },
  'GET /roles/new': { access: 'org', permission: 'roles.manage' },
  'POST /roles': { access: 'org', permission: 'roles.manage' },
  'GET /roles/:id/edit': { access: 'org', permission: 'roles.manage', id: 'role' },
  'PUT /roles/:id': { access: 'org', permission: 'roles.manage', id: 'role' },
  'DELETE /roles/:id': { access: 'org', permission: 'roles.manage', id: 'role' },
  'GET /api-keys': { access: 'org', permission: 'api_keys.manage' },
  'POST /api-keys': { access: 'org', permission: 'api_keys.manage' },
  'DELETE /api-keys/:id': { access: 'org', permission: 'api_keys.manage', id: 'api_key' },
  'GET /audit-log': { access: 'org', permission: 'audit.view' },

  'GET /templates': { access: 'org', permission: 'templates.manage' },
  'GET /templates/new': { access: 'org', permission: 'templates.manage' },
  'POST /templates': { access: 'org', permission: 'templates.manage' },
  'GET /templates/:id': { access: 'org', permission: 'templates.manage', id: 'template' },
  'PUT /templates/:id': { access: 'org', permission: 'templates.manage', id: 'template' },
  'GET /templates/:id/edit': { access: 'org', permission: 'templates.manage', id: 'template' },
  'PUT /templates/:id/fields': { access: 'org', permission: 'templates.manage', id: 'template' },
  'PUT /templates/:id/source': { access: 'org', permission: 'templates.manage', id: 'template' },
  'POST /templates/:id/activation': {
    access: 'org',
    permission: 'templates.manage',
    id: 'template',
  },
  'DELETE /templates/:id/activation': {
    access: 'org',
    permission: 'templates.manage',
    id: 'template',
  },
  'POST /templates/:id/archive': { access: 'org', permission: 'templates.manage', id: 'template' },
  'DELETE /templates/:id/archive': {
    access: 'org',
    permission: 'templates.manage',
    id: 'template',
  },
  'POST /templates/:id/previews': { access: 'org', permission: 'templates.manage', id: 'template' },
  'GET /templates/:id/versions/:number/files/:file': {
    access: 'org',
    permission: 'templates.manage',
    id: 'template',
  },
  'GET /imports': { access: 'org', permission: 'imports.manage' },
  'GET /imports/new': { access: 'org', permission: 'imports.manage' },
  'POST /imports': { access: 'org', permission: 'imports.manage' },
  'GET /imports/:id': { access: 'org', permission: 'imports.manage', id: 'import' },
  'GET /imports/:id/results': { access: 'org', permission: 'imports.manage', id: 'import' },
  'PUT /imports/:id/mapping': { access: 'org', permission: 'imports.manage', id: 'import' },
  'POST /imports/:id/rows': { access: 'org', permission: 'imports.manage', id: 'import' },
  'PUT /imports/:id/rows/:row_id': { access: 'org', permission: 'imports.manage', id: 'import' },
  'DELETE /imports/:id/rows/:row_id': { access: 'org', permission: 'imports.manage', id: 'import' },
  'POST /imports/:id/row-cleanups': { access: 'org', permission: 'imports.manage', id: 'import' },
  'GET /imports/:id/files/:file': { access: 'org', permission: 'imports.manage', id: 'import' },
  'GET /generation-jobs': { access: 'org', permission: 'any' },
  'GET /generation-jobs/new': { access: 'org', permission: 'certificates.issue' },
  'POST /generation-jobs/preflight': { access: 'org', permission: 'certificates.issue' },
  'POST /generation-jobs': { access: 'org', permission: 'certificates.issue' },
  'GET /generation-jobs/:id': { access: 'org', permission: 'any', id: 'generation_job' },
  'GET /generation-jobs/:id/progress': { access: 'org', permission: 'any', id: 'generation_job' },
  'POST /generation-jobs/:id/start': {
    access: 'org',
    permission: 'certificates.issue',
    id: 'generation_job',
  },
  'POST /generation-jobs/:id/cancellation': {
    access: 'org',
    permission: 'certificates.issue',
    id: 'generation_job',
  },
  'POST /generation-jobs/:id/retry': {
    access: 'org',
    permission: 'certificates.issue',
    id: 'generation_job',
  },
  'GET /generation-jobs/:id/export': {
    access: 'org',
    permission: 'certificates.download',
    id: 'generation_job',
  },
  'GET /certificates': { access: 'org', permission: 'any' },
  'GET /certificates/:id': { access: 'org', permission: 'any', id: 'certificate' },
  'GET /certificates/:id/pdf': {
    access: 'org',
    permission: 'certificates.download',
    id: 'certificate',
  },
  'GET /certificates/:id/preview': { access: 'org', permission: 'any', id: 'certificate' },
  'POST /certificates/:id/revocation': {
    access: 'org',
    permission: 'certificates.revoke',
    id: 'certificate',
  },
  'POST /certificates/:id/reissue': {
    access: 'org',
    permission: 'certificates.revoke',
    id: 'certificate',
  },
  'GET /settings/branding': { access: 'org', permission: 'org.manage' },
  'POST /settings/branding': { access: 'org', permission: 'org.manage' },
  'DELETE /settings/branding/:id': {
    access: 'org',
    permission: 'org.manage',
    id: 'branding_asset',
  },
  'GET /settings/branding/:id/image': { access: 'org', permission: 'any', id: 'branding_asset' },
  // Delivery templates
  'GET /settings/delivery/templates': { access: 'org', permission: 'deliveries.manage' },
  'GET /settings/delivery/templates/new': { access: 'org', permission: 'deliveries.manage' },
  'POST /settings/delivery/templates': { access: 'org', permission: 'deliveries.manage' },
  'POST /settings/delivery/templates/preview': {
    access: 'org',
    permission: 'deliveries.manage',
  },
  'GET /settings/delivery/templates/:id/edit': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_template',
  },
  'PUT /settings/delivery/templates/:id': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_template',
  },
  'DELETE /settings/delivery/templates/:id': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_template',
  },
  'POST /settings/delivery/templates/:id/default': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_template',
  },

  'GET /api/v1/org': { access: 'api' },
  'GET /api/v1/templates': { access: 'api' },
  'POST /api/v1/templates': { access: 'api' },
  'GET /api/v1/templates/:id': { access: 'api' },
  'PUT /api/v1/templates/:id/fields': { access: 'api' },
  'POST /api/v1/templates/:id/archive': { access: 'api' },
  'DELETE /api/v1/templates/:id/archive': { access: 'api' },
  'POST /api/v1/templates/:id/activation': { access: 'api' },
  'DELETE /api/v1/templates/:id/activation': { access: 'api' },
  'GET /api/v1/templates/:id/files/:file': { access: 'api' },
  'GET /api/v1/imports': { access: 'api' },
  'POST /api/v1/imports': { access: 'api' },
  'GET /api/v1/imports/:id': { access: 'api' },
  'GET /api/v1/imports/:id/rows': { access: 'api' },
  'PUT /api/v1/imports/:id/mapping': { access: 'api' },
  'GET /api/v1/generation-jobs': { access: 'api' },
  'POST /api/v1/generation-jobs': { access: 'api' },
  'GET /api/v1/generation-jobs/:id': { access: 'api' },
  'POST /api/v1/generation-jobs/:id/cancellation': { access: 'api' },
  'POST /api/v1/generation-jobs/:id/start': { access: 'api' },
  'POST /api/v1/generation-jobs/:id/retry': { access: 'api' },
  'GET /api/v1/generation-jobs/:id/export': { access: 'api' },
  'GET /api/v1/certificates': { access: 'api' },
  'GET /api/v1/certificates/:id': { access: 'api' },
  'GET /api/v1/certificates/:id/pdf': { access: 'api' },
  'GET /api/v1/billing': { access: 'api' },
  'GET /api/v1/billing/ledger': { access: 'api' },
  'GET /api/v1/invoices': { access: 'api' },
  'GET /api/v1/invoices/:id': { access: 'api' },
  'GET /api/v1/invoices/:id/pdf': { access: 'api' },
  'POST /api/v1/certificates/:id/revocation': { access: 'api' },
  'POST /api/v1/certificates/:id/reissue': { access: 'api' },
  'GET /api/v1/delivery-integrations': { access: 'api' },
  'POST /api/v1/delivery-integrations': { access: 'api' },
  'GET /api/v1/delivery-integrations/:id': { access: 'api' },
  'PUT /api/v1/delivery-integrations/:id': { access: 'api' },
  'POST /api/v1/delivery-integrations/:id/test-message': { access: 'api' },
  'GET /api/v1/generation-jobs/:id/deliveries': { access: 'api' },
  'POST /api/v1/generation-jobs/:id/deliveries': { access: 'api' },
  'POST /api/v1/certificates/:id/delivery': { access: 'api' },
  'GET /api/v1/deliveries/:id': { access: 'api' },
  'POST /api/v1/deliveries/:id/cancellation': { access: 'api' },
  'GET /api/v1/deliveries/:id/messages': { access: 'api' },

  'GET /generation-jobs/:id/deliveries': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'generation_job',
  },
  'POST /generation-jobs/:id/deliveries': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'generation_job',
  },
  'GET /generation-jobs/:id/deliveries/estimate': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'generation_job',
  },
  'GET /generation-jobs/:id/deliveries/panel': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'generation_job',
  },
  'GET /generation-jobs/:id/deliveries/failures.csv': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'generation_job',
  },
  'POST /generation-jobs/:id/deliveries/resends': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'generation_job',
  },
  'GET /generation-jobs/:job_id/recipients/:id/deliveries': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'generation_job',
  },
  'POST /delivery-messages/:id/resend': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'delivery_message',
  },
  'GET /certificates/:id/deliveries': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'certificate',
  },
  'GET /deliveries/this-month': { access: 'org', permission: 'deliveries.send' },
  'POST /deliveries/:id/cancellation': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'delivery',
  },
  'GET /deliveries/:id/messages': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'delivery',
  },
  'POST /certificates/:id/delivery': {
    access: 'org',
    permission: 'deliveries.send',
    id: 'certificate',
  },
  'GET /settings/delivery': { access: 'org', permission: 'deliveries.manage' },
  'GET /settings/delivery/suppressions': { access: 'org', permission: 'deliveries.manage' },
  'POST /settings/delivery/suppressions': { access: 'org', permission: 'deliveries.manage' },
  'DELETE /settings/delivery/suppressions/:id': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_suppression',
  },
  'POST /settings/delivery/open-tracking': { access: 'org', permission: 'deliveries.manage' },
  'DELETE /settings/delivery/open-tracking': { access: 'org', permission: 'deliveries.manage' },
  'GET /settings/delivery/new': { access: 'org', permission: 'deliveries.manage' },
  'POST /settings/delivery': { access: 'org', permission: 'deliveries.manage' },
  'GET /settings/delivery/:id/edit': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'PUT /settings/delivery/:id': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'DELETE /settings/delivery/:id': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'POST /settings/delivery/:id/default': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'POST /settings/delivery/:id/resumption': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'POST /settings/delivery/:id/activation': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'DELETE /settings/delivery/:id/activation': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'GET /settings/delivery/:id/test-message': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
  'POST /settings/delivery/:id/test-message': {
    access: 'org',
    permission: 'deliveries.manage',
    id: 'delivery_integration',
  },
}

function allRoutes() {
  const seen = new Set<string>()
  for (const routes of Object.values(router.toJSON())) {
    for (const route of routes) {
      const method = route.methods.find((m) => m !== 'HEAD')!
      seen.add(`${method} ${route.pattern}`)
    }
  }
  return [...seen]
}

function orgRoutes() {
  return Object.entries(MATRIX).filter(([, rule]) => rule.access === 'org') as [
    string,
    Extract<Rule, { access: 'org' }>,
  ][]
}

function send(client: ApiClient, key: string, id: string) {
  const [method, pattern] = key.split(' ')
  const url = pattern.replace(/:[a-z_]+/g, id)
  const request = client.request(url, method as any).redirects(0)
  return method === 'GET' ? request : request.withCsrfToken()
}

/** Org B with one record of every kind an org route can address by id. */
async function otherOrgRecords() {
  const { org } = await givenOrg({ name: 'Other Org B' })
  const { member } = await givenMember(org, 'member')
  const role = await givenCustomRole(org, ['audit.view'], 'B auditors')
  const memberRole = await roleOf(org, 'member')
  const invitation = await OrganizationInvitation.create({
    organizationId: org.id,
    email: 'invitee-b@example.test',
    roleId: memberRole.id,
    status: 'pending',
    tokenHash: hashToken(generateToken()),
    expiresAt: DateTime.now().plus({ days: 7 }),
    sendCount: 1,
  })
  const apiKey = await OrganizationApiKey.create({
    organizationId: org.id,
    name: 'B key',
    prefix: 'atx_bbbbbbbb',
    keyHash: hashToken(`atx_${generateToken(32)}`),
  })
  const industry = await Industry.findByOrFail('key', 'edtech')
  const category = await CertificateCategory.create({
    industryId: industry.id,
    organizationId: org.id,
    key: 'b_own_category',
    name: 'B own category',
    sortOrder: 100,
  })
  const subcategory = await CertificateSubcategory.create({
    categoryId: category.id,
    organizationId: org.id,
    key: 'b_own_subcategory',
    name: 'B own subcategory',
    sortOrder: 100,
  })
  const { template } = await givenTemplate(org)
  const asset = await givenBrandingAsset(org)
  const manual = await CreateManualImport.handle({ org, actorUserId: null })
  if (manual.kind !== 'created') throw new Error('no import for org B')
  await AddImportRows.handle({
    org,
    importId: manual.job.id,
    rows: [{ 'Recipient name': 'B Person' }],
    actorUserId: null,
  })
  const { job } = await givenJob(org, { count: 1 })
  await runJobs(job.id)
  const certificate = await Certificate.query().where('generation_job_id', job.id).firstOrFail()
  const integration = await givenProbeIntegration(org)
  const deliveryTemplate = await DeliveryTemplate.create({
    organizationId: org.id,
    channel: 'email',
    name: 'B mail',
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
    address: 'bounced-b@example.test',
    reason: 'manual',
  })
  const { delivery, messages } = await givenDelivery(org, job)
  const invoice = await givenInvoice(org)
  const order = await givenOrder(org, invoice)
  const ids: Record<IdKind, string> = {
    billing_invoice: invoice.id,
    billing_order: order.id,
    delivery: delivery.id,
    delivery_suppression: suppression.id,
    delivery_message: messages[0].id,
    delivery_integration: integration.id,
    delivery_template: deliveryTemplate.id,
    import: manual.job.id,
    generation_job: job.id,
    certificate: certificate.id,
    template: template.id,
    branding_asset: asset.id,
    member: member.id,
    invitation: invitation.id,
    role: role.id,
    api_key: apiKey.id,
    category: category.id,
    subcategory: subcategory.id,
  }
  return ids
}

test.group('Route × actor matrix', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('every registered route has an entry in the matrix, and every entry is a route', async ({
    assert,
  }) => {
    const routes = allRoutes()
    const missing = routes.filter((key) => !(key in MATRIX))
    const stale = Object.keys(MATRIX).filter((key) => !routes.includes(key))
    assert.deepEqual(missing, [], `routes without a matrix entry: ${missing.join(', ')}`)
    assert.deepEqual(stale, [], `matrix entries without a route: ${stale.join(', ')}`)
  })

  test('anonymous visitors are sent to the login page from every signed-in and org route', async ({
    client,
    assert,
  }) => {
    for (const [key, rule] of Object.entries(MATRIX)) {
      if (rule.access !== 'org' && rule.access !== 'signed_in') continue
      const response = await send(client, key, randomUUID())
      assert.equal(response.status(), 302, key)
      assert.equal(response.header('location'), '/login', key)
    }
  })

  test('signed-in users are sent away from guest-only routes', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    for (const [key, rule] of Object.entries(MATRIX)) {
      if (rule.access !== 'guest') continue
      const response = await actingAs(send(client, key, generateToken()), owner, org)
      assert.equal(response.status(), 302, key)
      assert.equal(response.header('location'), '/dashboard', key)
    }
  })

  test('a custom role without the permission gets 403 on every org route that needs one', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const nobody = await givenCustomRole(org, [], 'No permissions')
    const { user } = await givenMember(org, nobody)
    for (const [key, rule] of orgRoutes()) {
      if (rule.permission === 'any') continue
      const response = await actingAs(send(client, key, randomUUID()), user, org)
      assert.equal(response.status(), 403, key)
    }
  })

  test('a role holding only the permission passes the gate, and every GET page renders', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    for (const [key, rule] of orgRoutes()) {
      const role = await givenCustomRole(org, rule.permission === 'any' ? [] : [rule.permission])
      const { user } = await givenMember(org, role)
      const response = await actingAs(send(client, key, randomUUID()), user, org)
      assert.notEqual(response.status(), 403, key)
      if (key.startsWith('GET ') && !rule.id) assert.equal(response.status(), 200, key)
      if (rule.id) assert.equal(response.status(), 404, `${key} with an unknown id`)
    }
  })

  test("another org's ids answer 404, identical to an unknown id, for owner, admin and member alike", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user: admin } = await givenMember(org, 'admin')
    const adminRole = await roleOf(org, 'admin')
    const adminPermissions = new Set(await adminRole.permissions())
    const otherIds = await otherOrgRecords()
    for (const [key, rule] of orgRoutes()) {
      if (!rule.id) continue
      // An admin may not manage billing: refused (403) before any lookup, as the 403 test checks.
      const admitted = rule.permission === 'any' || adminPermissions.has(rule.permission)
      for (const actor of admitted ? [owner, admin] : [owner]) {
        const foreign = await actingAs(send(client, key, otherIds[rule.id]), actor, org)
        const unknown = await actingAs(send(client, key, randomUUID()), actor, org)
        assert.equal(foreign.status(), 404, `${key} (${actor.email}) with org B's ${rule.id}`)
        assert.equal(
          foreign.text(),
          unknown.text(),
          `${key}: 404 body differs between foreign and unknown ids`
        )
      }
    }
  }).timeout(90_000)

  test('owners reach every org page; plain members only those their role allows', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { user: member } = await givenMember(org, 'member')
    const memberRole = await roleOf(org, 'member')
    const memberPermissions = new Set(await memberRole.permissions())
    for (const [key, rule] of orgRoutes()) {
      if (!key.startsWith('GET ') || rule.id) continue
      const asOwner = await actingAs(send(client, key, ''), owner, org)
      assert.equal(asOwner.status(), 200, `owner ${key}`)
      const asMember = await actingAs(send(client, key, ''), member, org)
      const allowed = rule.permission === 'any' || memberPermissions.has(rule.permission)
      assert.equal(asMember.status(), allowed ? 200 : 403, `member ${key}`)
    }
  })

  test('platform staff without a membership get no org data: org pages send them to create an organization', async ({
    client,
    assert,
  }) => {
    const staff = await givenUser()
    await User.query().where('id', staff.id).update({ is_platform_staff: true })
    const { org } = await givenOrg()
    for (const [key] of orgRoutes()) {
      if (!key.startsWith('GET ')) continue
      const response = await actingAs(send(client, key, randomUUID()), staff, org)
      assert.equal(response.status(), 302, key)
      assert.equal(response.header('location'), '/organizations/new', key)
    }
  })

  test('every API route answers 401 without a key', async ({ client, assert }) => {
    for (const [key, rule] of Object.entries(MATRIX)) {
      if (rule.access !== 'api') continue
      const response = await send(client, key, randomUUID())
      assert.equal(response.status(), 401, key)
      assert.equal(response.body().errors[0].code, 'E_UNAUTHORIZED', key)
    }
  })
})

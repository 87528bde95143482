import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Organization from '#orgs/models/organization'
import Industry from '#orgs/models/industry'
import { flashOf } from '#tests/helpers/flash'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, metadataOf } from '#tests/helpers/orgs'
import CreateManualImport from '#imports/actions/create_manual_import'
import AddImportRows from '#imports/actions/add_import_rows'

function validSettings(org: Organization, overrides: Record<string, string> = {}) {
  return {
    name: org.name,
    business_name: org.businessName ?? '',
    email: org.email ?? '',
    phone: org.phone ?? '',
    slug: org.slug,
    industry_id: org.industryId ?? '',
    address_line1: '',
    address_line2: '',
    city: '',
    state: '',
    postal_code: '',
    country: 'IN',
    gstin: '',
    certificate_number_prefix: org.certificateNumberPrefix,
    certificate_number_format: org.certificateNumberFormat,
    ...overrides,
  }
}

test.group('Organization settings', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the page shows the current settings, the read-only application id and a number preview', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Acme Academy' })
    const response = await actingAs(client.get('/settings/organization'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'value="Acme Academy"')
    assert.include(html, org.applicationId)
    assert.notInclude(html, 'name="application_id"')
    assert.include(html, `${org.certificateNumberPrefix}-${new Date().getUTCFullYear()}-000001`)
  })

  test('an owner saves the full profile; the audit lists changed field names but not values', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const corporate = await Industry.findByOrFail('key', 'corporate')
    const response = await actingAs(
      client
        .put('/settings/organization')
        .form(
          validSettings(org, {
            name: 'Acme Learning',
            business_name: 'Acme Learning Pvt Ltd',
            email: 'Billing@Acme.test',
            phone: '+91 98765 43210',
            slug: 'acme-learning',
            industry_id: corporate.id,
            address_line1: '12 MG Road',
            city: 'Bengaluru',
            state: 'Karnataka',
            postal_code: '560001',
            gstin: '29aagcb7383j1z4',
            certificate_number_prefix: 'acme',
            certificate_number_format: 'CERT-{prefix}-{YY}{MM}-{seq:5}',
          })
        )
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    response.assertHeader('location', '/settings/organization')
    assert.equal(flashOf(response).success, 'Organization settings saved.')

    const saved = await Organization.findOrFail(org.id)
    assert.equal(saved.name, 'Acme Learning')
    assert.equal(saved.email, 'billing@acme.test')
    assert.equal(saved.slug, 'acme-learning')
    assert.equal(saved.industryId, corporate.id)
    assert.equal(saved.gstin, '29AAGCB7383J1Z4')
    assert.equal(saved.certificateNumberPrefix, 'ACME')
    assert.equal(saved.certificateNumberFormat, 'CERT-{prefix}-{YY}{MM}-{seq:5}')
    assert.isNull(saved.addressLine2)
    assert.equal(saved.applicationId, org.applicationId)

    const [audit] = await auditRows(org, 'org.settings_changed')
    assert.equal(audit.actor_user_id, owner.id)
    const fields = metadataOf(audit).fields as string[]
    assert.includeMembers(fields, [
      'name',
      'slug',
      'gstin',
      'industryId',
      'certificateNumberFormat',
    ])
    assert.notInclude(JSON.stringify(audit.metadata), '29AAGCB7383J1Z4')
    assert.notInclude(JSON.stringify(audit.metadata), 'MG Road')
  })

  test('saving unchanged settings writes no audit entry', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    await actingAs(
      client.put('/settings/organization').form(validSettings(org)).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.lengthOf(await auditRows(org, 'org.settings_changed'), 0)
  })

  test('invalid values are refused with a message next to each field', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: other } = await givenOrg()
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ gstin: '27AAPFU0939F1ZW' }, 'gstin', /check character/],
      [{ gstin: '27AAPFU0939F1Z' }, 'gstin', /15 characters/],
      [{ gstin: '40AAPFU0939F1ZV' }, 'gstin', /state code/],
      [{ slug: other.slug }, 'slug', /already taken/],
      [{ slug: 'admin' }, 'slug', /reserved/],
      [{ slug: 'API' }, 'slug', /reserved/],
      [{ slug: 'ab' }, 'slug', /at least 3/],
      [{ slug: '-acme' }, 'slug', /lowercase letters/],
      [{ slug: 'acme_org' }, 'slug', /lowercase letters/],
      [{ certificate_number_format: '{prefix}-{YYYY}' }, 'certificate_number_format', /\{seq\}/],
      [
        { certificate_number_format: '{prefix}-{DD}-{seq}' },
        'certificate_number_format',
        /not a known placeholder/,
      ],
      [{ certificate_number_prefix: 'A' }, 'certificate_number_prefix', /2–12/],
      [{ certificate_number_prefix: 'AC-ME' }, 'certificate_number_prefix', /2–12/],
      [{ postal_code: '56001' }, 'postal_code', /6 digits/],
      [{ country: 'XX' }, 'country', /from the list/],
      [{ industry_id: 'not-a-uuid' }, 'industry_id', /industry/],
      [{ email: 'not-an-email' }, 'email', /valid email/],
      [{ name: '' }, 'name', /name/],
    ]
    for (const [overrides, field, message] of cases) {
      const response = await actingAs(
        client
          .put('/settings/organization')
          .form(validSettings(org, overrides))
          .withCsrfToken()
          .redirects(0),
        owner,
        org
      )
      response.assertStatus(302)
      const errors = flashOf(response).inputErrorsBag ?? {}
      assert.properties(errors, [field], `${JSON.stringify(overrides)} → ${JSON.stringify(errors)}`)
      assert.match(errors[field][0], message)
    }
    const unchanged = await Organization.findOrFail(org.id)
    assert.equal(unchanged.slug, org.slug)
    assert.isNull(unchanged.gstin)
  })

  test('a foreign postal code is not held to the Indian PIN rule, and an org keeps its own slug', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      client
        .put('/settings/organization')
        .form(validSettings(org, { country: 'GB', postal_code: 'SW1A 1AA' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    assert.isUndefined(flashOf(response).inputErrorsBag)
    const saved = await Organization.findOrFail(org.id)
    assert.equal(saved.country, 'GB')
    assert.equal(saved.postalCode, 'SW1A 1AA')
  })

  test('the number preview follows the typed prefix and format and explains problems', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const year = new Date().getUTCFullYear()
    const ok = await actingAs(
      client
        .get('/settings/organization/number-preview')
        .qs({ certificate_number_prefix: 'lotus', certificate_number_format: '{prefix}/{seq}' }),
      owner,
      org
    )
    assert.include(ok.text(), 'not allowed')
    const good = await actingAs(
      client.get('/settings/organization/number-preview').qs({
        certificate_number_prefix: 'lotus',
        certificate_number_format: '{prefix}-{YYYY}-{seq:4}',
      }),
      owner,
      org
    )
    good.assertStatus(200)
    assert.include(good.text(), `LOTUS-${year}-0001`)
    const missing = await actingAs(
      client
        .get('/settings/organization/number-preview')
        .qs({ certificate_number_prefix: 'LOTUS', certificate_number_format: '{prefix}' }),
      owner,
      org
    )
    assert.include(missing.text(), 'must contain {seq}')
  })

  test('a member without org.manage gets 403 and cannot change anything', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const role = await givenCustomRole(org, ['members.manage', 'api_keys.manage', 'audit.view'])
    const { user } = await givenMember(org, role)
    const settingsPage = await actingAs(client.get('/settings/organization'), user, org)
    settingsPage.assertStatus(403)
    const numberPreview = await actingAs(
      client.get('/settings/organization/number-preview'),
      user,
      org
    )
    numberPreview.assertStatus(403)
    const update = await actingAs(
      client
        .put('/settings/organization')
        .form(validSettings(org, { name: 'Taken over' }))
        .withCsrfToken(),
      user,
      org
    )
    update.assertStatus(403)
    const row = await db.from('organizations').where('id', org.id).firstOrFail()
    assert.equal(row.name, org.name)
  })
  test('how recipient lists are read is set per org: phones without a country code, and numeric dates', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const page = await actingAs(client.get('/settings/organization'), owner, org)
    assert.include(page.text(), '<option value="IN" selected>India</option>')
    assert.include(page.text(), '<option value="dmy" selected>')
    const response = await actingAs(
      client
        .put('/settings/organization')
        .form(validSettings(org, { phone_default_country: 'us', date_order: 'mdy' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHeader('location', '/settings/organization')
    const saved = await Organization.findOrFail(org.id)
    assert.deepEqual([saved.phoneDefaultCountry, saved.dateOrder], ['US', 'mdy'])
    const [audit] = await auditRows(org, 'org.settings_changed')
    assert.sameMembers(metadataOf(audit).fields, ['phoneDefaultCountry', 'dateOrder'])

    // The next list reads 03/04/2026 as March 4 and a 10-digit number as a US one.
    const manual = await CreateManualImport.handle({ org: saved, actorUserId: null })
    if (manual.kind !== 'created') throw new Error(manual.kind)
    const added = await AddImportRows.handle({
      org: saved,
      importId: manual.job.id,
      rows: [
        { 'Recipient name': 'Ann Lee', 'Phone': '(212) 555-0123', 'Issue date': '03/04/2026' },
      ],
      actorUserId: null,
    })
    if (added.kind !== 'added') throw new Error(added.kind)
    assert.deepInclude(added.rows[0].data, {
      recipient_phone: '+12125550123',
      issue_date: '2026-03-04',
    })

    const invalid = await actingAs(
      client
        .put('/settings/organization')
        .form(validSettings(org, { phone_default_country: 'XX', date_order: 'ymd' }))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    invalid.assertStatus(302)
    assert.deepEqual(Object.keys(invalid.flashMessages().inputErrorsBag ?? {}).sort(), [
      'date_order',
      'phone_default_country',
    ])
  })
})

import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiClient } from '@japa/api-client'
import type Organization from '#orgs/models/organization'
import type User from '#identity/models/user'
import { ALL_PERMISSIONS } from '#orgs/policies/permissions'
import DeliveryTemplate from '#deliveries/models/delivery_template'
import OrgDeliveryTemplates from '#deliveries/queries/org_delivery_templates'
import Certificate from '#certificates/models/certificate'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import { verificationUrl } from '#certificates/services/verification_links'
import { BUILT_IN_VARIABLES } from '#deliveries/services/delivery_template_variables'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, fieldErrorOf, flashOf, metadataOf } from '#tests/helpers/orgs'
import { givenJob, recipientsCsv, runJobs } from '#tests/helpers/certificates'
import { givenImport } from '#tests/helpers/imports'

const EMAIL_FORM = {
  channel: 'email',
  name: 'Completion mail',
  locale: 'en',
  email_subject: 'Your {course_name} certificate',
  body: '<p onclick="x()">Dear {recipient_name},</p><script>alert(1)</script><p><a href="{verification_url}">Verify</a></p>',
}

const WHATSAPP_FORM = {
  channel: 'whatsapp',
  name: 'Completion WhatsApp',
  locale: 'hi',
  whatsapp_template_name: 'certificate_ready',
  whatsapp_language: 'hi',
  whatsapp_parameters: '{recipient_name}, certificate_number',
}

function post(client: ApiClient, user: User, org: Organization, path: string, form: object) {
  return actingAs(client.post(path).form(form).withCsrfToken().redirects(0), user, org)
}

async function listPage(client: ApiClient, user: User, org: Organization) {
  const response = await actingAs(client.get('/settings/delivery/templates'), user, org)
  response.assertStatus(200)
  return response.text()
}

async function givenEmailTemplate(org: Organization, name = 'Completion mail', isDefault = false) {
  return DeliveryTemplate.create({
    organizationId: org.id,
    channel: 'email',
    name,
    locale: 'en',
    isActive: true,
    isDefault,
    emailSubject: 'Hello {recipient_name}',
    body: '<p>Dear {recipient_name}, number {certificate_number}: <a href="{verification_url}">verify</a></p>',
    emailTextBody: null,
    whatsappTemplateName: null,
    whatsappLanguage: null,
    whatsappParameters: [],
    variables: ['recipient_name', 'certificate_number', 'verification_url'],
    createdBy: null,
    updatedBy: null,
  })
}

test.group('Delivery templates', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a role without deliveries.manage gets 403 on every template route', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const role = await givenCustomRole(
      org,
      ALL_PERMISSIONS.filter((p) => p !== 'deliveries.manage')
    )
    const { user } = await givenMember(org, role)
    const template = await givenEmailTemplate(org)
    const base = '/settings/delivery/templates'
    const responses = [
      await actingAs(client.get(base), user, org),
      await actingAs(client.get(`${base}/new?channel=email`), user, org),
      await actingAs(client.post(base).form(EMAIL_FORM).withCsrfToken(), user, org),
      await actingAs(client.get(`${base}/${template.id}/edit`), user, org),
      await actingAs(
        client.put(`${base}/${template.id}`).form(EMAIL_FORM).withCsrfToken(),
        user,
        org
      ),
      await actingAs(client.delete(`${base}/${template.id}`).withCsrfToken(), user, org),
      await actingAs(client.post(`${base}/${template.id}/default`).withCsrfToken(), user, org),
      await actingAs(client.post(`${base}/preview`).form(EMAIL_FORM).withCsrfToken(), user, org),
    ]
    for (const response of responses) response.assertStatus(403)
    const after = await DeliveryTemplate.findOrFail(template.id)
    assert.equal(after.name, 'Completion mail')
    assert.lengthOf(await DeliveryTemplate.query().where('organization_id', org.id), 1)
  })

  test("another org's template answers 404, identical to an unknown id", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const foreign = await givenEmailTemplate(orgB, 'B mail')
    const base = '/settings/delivery/templates'
    for (const request of [
      (id: string) => client.get(`${base}/${id}/edit`),
      (id: string) => client.put(`${base}/${id}`).form(EMAIL_FORM).withCsrfToken(),
      (id: string) => client.delete(`${base}/${id}`).withCsrfToken(),
      (id: string) => client.post(`${base}/${id}/default`).withCsrfToken(),
    ]) {
      const foreignResponse = await actingAs(request(foreign.id), owner, org)
      const unknownResponse = await actingAs(request(randomUUID()), owner, org)
      foreignResponse.assertStatus(404)
      unknownResponse.assertStatus(404)
      assert.equal(foreignResponse.text(), unknownResponse.text())
    }
    const after = await DeliveryTemplate.findOrFail(foreign.id)
    assert.equal(after.name, 'B mail')
    assert.isFalse(after.isDefault)
  })

  test('a new org sees the built-in English and Hindi templates of both channels, English the default', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.get('/settings/delivery/templates'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    for (const key of ['email.en', 'email.hi', 'whatsapp.en', 'whatsapp.hi']) {
      assert.include(html, `data-built-in="${key}"`)
    }
    assert.match(html, /data-built-in="email\.en"[\s\S]*?Default[\s\S]*?data-built-in="email\.hi"/)
    const hindiRow = html.slice(html.indexOf('data-built-in="email.hi"')).split('</tr>')[0]
    assert.notInclude(hindiRow, 'Default')
    assert.include(hindiRow, 'प्रमाणपत्र जारी')
  })

  test('customising a built-in template saves a sanitized copy of the org, its default, audited', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await post(client, owner, org, '/settings/delivery/templates', {
      ...EMAIL_FORM,
      from: 'email.en',
    })
    const template = await DeliveryTemplate.query()
      .where('organization_id', org.id)
      .where('name', 'Completion mail')
      .firstOrFail()
    response.assertHeader('location', `/settings/delivery/templates/${template.id}/edit`)
    assert.include(flashOf(response, 'success'), 'It is now the default Email message.')
    assert.equal(
      template.body,
      '<p>Dear {recipient_name},</p><p><a href="{verification_url}">Verify</a></p>'
    )
    assert.isTrue(template.isDefault)
    assert.deepEqual(template.variables, ['course_name', 'recipient_name', 'verification_url'])
    const [audit] = await auditRows(org, 'delivery_template.created')
    assert.equal(audit.entity_id, template.id)
    assert.equal(metadataOf(audit).channel, 'email')

    const list = await listPage(client, owner, org)
    assert.notInclude(list, 'data-built-in="email.en"')
    assert.include(list, 'data-built-in="email.hi"')
    assert.include(list, `data-template-id="${template.id}"`)
  })

  test('an unknown variable is refused under its field with the known ones, import columns included', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenImport(org, recipientsCsv(1))
    const response = await post(client, owner, org, '/settings/delivery/templates', {
      ...EMAIL_FORM,
      body: '<p>Dear {recipent_name}</p>',
    })
    response.assertHeader('location', '/settings/delivery/templates/new?channel=email')
    const known = [...BUILT_IN_VARIABLES, 'recipient_email'].map((n) => `{${n}}`).join(', ')
    assert.equal(
      fieldErrorOf(response, 'body'),
      `Unknown variable {recipent_name}. Known variables: ${known}.`
    )
    assert.isNull(await DeliveryTemplate.findBy('organization_id', org.id))

    // The import's column is a variable like ours.
    const saved = await post(client, owner, org, '/settings/delivery/templates', {
      ...EMAIL_FORM,
      body: '<p>Dear {recipient_name} ({recipient_email})</p>',
    })
    assert.equal(fieldErrorOf(saved, 'body'), '')
    assert.isNotNull(await DeliveryTemplate.findBy('organization_id', org.id))
  })

  test('validation messages appear under their fields', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const email = await post(client, owner, org, '/settings/delivery/templates', {
      ...EMAIL_FORM,
      email_subject: '',
      body: '<script>only()</script>',
    })
    assert.equal(fieldErrorOf(email, 'email_subject'), 'Write a subject.')
    const empty = await post(client, owner, org, '/settings/delivery/templates', {
      ...EMAIL_FORM,
      body: '<script>only()</script>',
    })
    assert.include(fieldErrorOf(empty, 'body'), 'Nothing is left of the body')
    const stray = await post(client, owner, org, '/settings/delivery/templates', {
      ...EMAIL_FORM,
      email_subject: 'Price {5',
    })
    assert.include(fieldErrorOf(stray, 'email_subject'), 'Write {{ or }} for a literal brace')

    const whatsapp = await post(client, owner, org, '/settings/delivery/templates', {
      ...WHATSAPP_FORM,
      whatsapp_template_name: 'Certificate Ready',
      whatsapp_parameters: 'recipient_name, batch',
    })
    assert.include(fieldErrorOf(whatsapp, 'whatsapp_template_name'), 'lowercase letters')
    const unknownParameter = await post(client, owner, org, '/settings/delivery/templates', {
      ...WHATSAPP_FORM,
      whatsapp_parameters: 'recipient_name, batch',
    })
    assert.include(
      fieldErrorOf(unknownParameter, 'whatsapp_parameters'),
      'Unknown variable {batch}.'
    )
    const duplicate = await givenEmailTemplate(org, 'Taken name')
    const taken = await post(client, owner, org, '/settings/delivery/templates', {
      ...EMAIL_FORM,
      name: duplicate.name,
    })
    assert.include(fieldErrorOf(taken, 'name'), 'already has a email template called "Taken name"')
    assert.lengthOf(await DeliveryTemplate.query().where('organization_id', org.id), 1)
  })

  test('a WhatsApp template keeps the approved name, language and the variable of each parameter', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await post(client, owner, org, '/settings/delivery/templates', WHATSAPP_FORM)
    const template = await DeliveryTemplate.query()
      .where('organization_id', org.id)
      .where('channel', 'whatsapp')
      .firstOrFail()
    assert.equal(template.whatsappTemplateName, 'certificate_ready')
    assert.equal(template.whatsappLanguage, 'hi')
    assert.deepEqual(template.whatsappParameters, ['recipient_name', 'certificate_number'])
    assert.isNull(template.body)
  })

  test('making another template the default moves it, and removing the default falls back to the built-in', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const first = await givenEmailTemplate(org, 'First', true)
    const second = await givenEmailTemplate(org, 'Second')
    const made = await post(
      client,
      owner,
      org,
      `/settings/delivery/templates/${second.id}/default`,
      {}
    )
    assert.equal(flashOf(made, 'success'), '"Second" is now the default email message.')
    await first.refresh()
    await second.refresh()
    assert.isFalse(first.isDefault)
    assert.isTrue(second.isDefault)
    const [audit] = await auditRows(org, 'delivery_template.default_set')
    assert.equal(metadataOf(audit).previous_default, 'First')
    const chosen = await OrgDeliveryTemplates.defaultFor(org, 'email')
    assert.equal(chosen.template?.id, second.id)

    const removed = await actingAs(
      client.delete(`/settings/delivery/templates/${second.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.include(flashOf(removed, 'success'), 'use the built-in English template')
    assert.isNull(await DeliveryTemplate.find(second.id))
    assert.lengthOf(await auditRows(org, 'delivery_template.removed'), 1)
    const fallback = await OrgDeliveryTemplates.defaultFor(org, 'email')
    assert.isNull(fallback.template)
    assert.equal(fallback.content.emailSubject, 'Your certificate from {org_name}: {course_name}')
    const list = await listPage(client, owner, org)
    assert.match(list, /data-built-in="email\.en"[\s\S]*?Default/)
  })

  test('editing saves new content and the preview shows it for a real recipient of the chosen job', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Sunrise <Academy>' })
    const { job } = await givenJob(org, { count: 2 })
    await runJobs(job.id)
    const second = await GenerationJobRecipient.query()
      .where('job_id', job.id)
      .where('position', 1)
      .firstOrFail()
    const certificate = await Certificate.query()
      .where('generation_job_recipient_id', second.id)
      .firstOrFail()
    const template = await givenEmailTemplate(org)

    const saved = await actingAs(
      client
        .put(`/settings/delivery/templates/${template.id}`)
        .form({
          ...EMAIL_FORM,
          email_subject: '{org_name}: {course_name}',
          body: '<p>Dear {recipient_name}, certificate {certificate_number} of {org_name}.</p><p><a href="{verification_url}">Verify</a></p>',
          preview_job_id: job.id,
          preview_recipient_id: second.id,
        })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    const location = saved.header('location')!
    assert.equal(
      location,
      `/settings/delivery/templates/${template.id}/edit?job_id=${job.id}&recipient_id=${second.id}`
    )
    const [audit] = await auditRows(org, 'delivery_template.updated')
    assert.equal(audit.entity_id, template.id)

    const page = await actingAs(client.get(location), owner, org)
    page.assertStatus(200)
    const html = page.text()
    assert.include(html, `<option value="${second.id}" selected>`)
    assert.include(html, 'Sunrise &lt;Academy&gt;: Data Science')
    const srcdoc = html.match(/<iframe[^>]*srcdoc="([^"]*)"/)![1]
    assert.match(html, /<iframe[^>]* sandbox srcdoc=/)
    assert.notInclude(html, 'allow-scripts')
    // The body is HTML inside an attribute: escaped once for the iframe, and the org name escaped in the body itself.
    assert.include(
      srcdoc,
      `Dear ${second.recipientName}, certificate ${certificate.certificateNumber}`
    )
    assert.include(srcdoc, 'Sunrise &amp;lt;Academy&amp;gt;')
    assert.include(srcdoc, verificationUrl(certificate.id))
    assert.include(html, `Verify [${verificationUrl(certificate.id)}]`)
  })

  test('a WhatsApp preview lists each parameter with the recipient value', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenJob(org, { count: 1 })
    await runJobs(job.id)
    const response = await actingAs(
      client.get(`/settings/delivery/templates/new?channel=whatsapp&from=whatsapp.hi`),
      owner,
      org
    )
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'value="certificate_issued"')
    assert.match(
      html,
      /&#123;&#123;1&#125;&#125;<\/td><td><code>\{recipient_name\}<\/code><\/td><td><bdi>Learner 1<\/bdi>/
    )
    assert.match(
      html,
      /&#123;&#123;2&#125;&#125;<\/td><td><code>\{course_name\}<\/code><\/td><td><bdi>Data Science<\/bdi>/
    )
  })

  test('previewing unsaved changes draws them for the chosen recipient and saves nothing', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenJob(org, { count: 2 })
    await runJobs(job.id)
    const second = await GenerationJobRecipient.query()
      .where('job_id', job.id)
      .where('position', 1)
      .firstOrFail()
    const response = await post(client, owner, org, '/settings/delivery/templates/preview', {
      ...EMAIL_FORM,
      body: '<h2>Hello {recipient_name}</h2><img src="https://t.example/p.gif">',
      job_id: job.id,
      recipient_id: second.id,
      preview_page: '/settings/delivery/templates/new',
    })
    response.assertStatus(200)
    const html = response.text()
    assert.notInclude(html, '<html')
    assert.include(html, 'Preview of your unsaved changes')
    assert.include(html, `&lt;h2&gt;Hello ${second.recipientName}&lt;/h2&gt;`)
    assert.notInclude(html, 'p.gif')
    assert.include(html, 'action="/settings/delivery/templates/new"')
    assert.isNull(await DeliveryTemplate.findBy('organization_id', org.id))
    assert.lengthOf(await auditRows(org, 'delivery_template.created'), 0)

    // The picker only ever submits to a page of this site.
    const offsite = await post(client, owner, org, '/settings/delivery/templates/preview', {
      ...EMAIL_FORM,
      preview_page: '//evil.example/',
    })
    assert.include(offsite.text(), 'action="/settings/delivery/templates"')
    assert.notInclude(offsite.text(), 'evil.example')
  })

  test('a preview of changes that would be refused lists the problems instead', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await post(client, owner, org, '/settings/delivery/templates/preview', {
      ...EMAIL_FORM,
      email_subject: '',
      body: '<p>Hi {nickname}</p>',
    })
    response.assertStatus(200)
    const problems = response.text()
    assert.include(problems, 'The preview cannot be drawn until these are fixed')
    assert.include(problems, 'Write a subject.')
    assert.notInclude(problems, '<iframe')

    const unknown = await post(client, owner, org, '/settings/delivery/templates/preview', {
      ...EMAIL_FORM,
      body: '<p>Hi {nickname}</p>',
    })
    assert.include(unknown.text(), 'Unknown variable {nickname}.')
  })
})

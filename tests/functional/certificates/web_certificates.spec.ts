import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import type { ApiResponse } from '@japa/api-client'
import { sha256Hex } from '#core/actions/store_file'
import type Organization from '#orgs/models/organization'
import type User from '#identity/models/user'
import Certificate from '#certificates/models/certificate'
import RevokeCertificate from '#certificates/actions/revoke_certificate'
import { verificationUrl } from '#certificates/services/verification_links'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, fieldErrorOf, flashOf, metadataOf } from '#tests/helpers/orgs'
import CreateGenerationJob from '#certificates/actions/create_generation_job'
import {
  NAME_COURSE_NUMBER_QR,
  givenJob,
  recipientsCsv,
  runJobs,
} from '#tests/helpers/certificates'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import { binary, bytesOf } from '#tests/helpers/binary'
import { formatDate } from '#core/services/formatting'

/** The certificates of a fresh job of `count` recipients, issued, in number order. */
async function issued(org: Organization, options: { count?: number; issueDate?: string } = {}) {
  const { job, templateIds } = await givenJob(org, {
    count: options.count ?? 2,
    issueDate: options.issueDate,
  })
  await runJobs(job.id)
  const certificates = await Certificate.query()
    .where('generation_job_id', job.id)
    .orderBy('sequence_number', 'asc')
  return { job, templateId: templateIds[0], certificates }
}

/** The ids of the certificates a list page shows, in order. */
function listed(response: ApiResponse) {
  return [...response.text().matchAll(/<tr data-certificate-id="([0-9a-f-]{36})">/g)].map(
    (match) => match[1]
  )
}

/** The first error flashed for a field of the reissue form. */
function correctionError(response: ApiResponse, key: string) {
  const bag = response.flashMessages().inputErrorsBag as
    { changes?: Record<string, string[]> } | undefined
  return bag?.changes?.[key]?.[0] ?? ''
}

const ids = (certificates: Certificate[]) => certificates.map((certificate) => certificate.id)

test.group('Certificates (web): list and search', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the list searches names, emails and numbers, and filters by status, template, job and issue date', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const march = await issued(org, { count: 3, issueDate: '2026-03-15' })
    const may = await issued(org, { count: 2, issueDate: '2026-05-01' })
    const { org: other } = await givenOrg()
    const foreign = await issued(other, { count: 1 })
    const get = (query: string) => actingAs(client.get(`/certificates${query}`), owner, org)

    const all = await get('')
    all.assertStatus(200)
    assert.sameMembers(listed(all), [...ids(march.certificates), ...ids(may.certificates)])
    assert.notInclude(
      all.text(),
      foreign.certificates[0].id,
      "another org's certificates never show"
    )
    const first = march.certificates[0]
    const row = all.text().slice(all.text().indexOf(`<tr data-certificate-id="${first.id}">`))
    assert.include(
      row,
      `href="/certificates/${first.id}" class="mono">${first.certificateNumber}</a>`
    )
    assert.include(row, 'Learner 1')
    assert.include(row, 'learner1@example.com')
    assert.include(row, '<td data-label="Title"><bdi>Data Science</bdi></td>')
    assert.include(row, '<span class="badge badge-ok" data-status="valid">Valid</span>')

    assert.deepEqual(listed(await get('?q=LEARNER3@example.com')), [march.certificates[2].id])
    assert.deepEqual(
      listed(await get(`?q=${encodeURIComponent(may.certificates[1].certificateNumber)}`)),
      [may.certificates[1].id]
    )
    assert.sameMembers(listed(await get('?q=learner 2')), [
      march.certificates[1].id,
      may.certificates[1].id,
    ])

    await RevokeCertificate.handle({
      org,
      certificateId: march.certificates[0].id,
      reason: 'Issued by mistake',
      actorUserId: owner.id,
    })
    const revoked = await get('?status=revoked')
    assert.deepEqual(listed(revoked), [march.certificates[0].id])
    assert.include(revoked.text(), '<option value="revoked" selected>Revoked</option>')
    assert.include(
      revoked.text(),
      '<span class="badge badge-danger" data-status="revoked">Revoked</span>'
    )
    assert.sameMembers(listed(await get('?status=issued')), [
      ...ids(march.certificates.slice(1)),
      ...ids(may.certificates),
    ])

    assert.sameMembers(listed(await get(`?template_id=${may.templateId}`)), ids(may.certificates))
    assert.sameMembers(
      listed(await get(`?generation_job_id=${march.job.id}`)),
      ids(march.certificates)
    )
    assert.sameMembers(listed(await get('?issued_from=2026-04-01')), ids(may.certificates))
    assert.sameMembers(listed(await get('?issued_to=2026-04-01')), ids(march.certificates))
    assert.sameMembers(
      listed(await get('?issued_from=2026-03-15&issued_to=2026-03-15&q=learner1')),
      [march.certificates[0].id]
    )
    // Another org's job or template as a filter matches nothing of this org.
    assert.deepEqual(listed(await get(`?generation_job_id=${foreign.job.id}`)), [])

    const none = await get('?q=nobody-like-this')
    assert.include(none.text(), 'No certificates match')
    assert.include(none.text(), 'href="/certificates">Clear</a>')
  }).timeout(120_000)

  test('the list pages through, keeping the filters in its links, and escapes what recipients typed', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job } = await givenJob(org, { count: 5 })
    await runJobs(job.id)
    const first = await actingAs(
      client.get(`/certificates?per_page=2&generation_job_id=${job.id}`),
      owner,
      org
    )
    assert.lengthOf(listed(first), 2)
    assert.include(first.text(), 'Page 1 of 3 · 5 total')
    assert.include(first.text(), `href="/certificates?generation_job_id=${job.id}&amp;page=2"`)
    const third = await actingAs(
      client.get(`/certificates?per_page=2&generation_job_id=${job.id}&page=3`),
      owner,
      org
    )
    assert.lengthOf(listed(third), 1)

    // Recipients' values are shown as text, never as markup.
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(
      org,
      recipientsCsv(1, {
        row: () => 'Asha <img src=x onerror=alert(1)>,asha@example.com,<script>alert(1)</script>',
      })
    )
    const created = await CreateGenerationJob.handle({
      org,
      templateIds: [template.id],
      importId: list.id,
      expiry: { mode: 'none' },
      start: true,
      actorUserId: null,
    })
    assert.equal(created.kind, 'created')
    await runJobs()
    const page = await actingAs(client.get('/certificates?q=asha'), owner, org)
    assert.lengthOf(listed(page), 1)
    assert.notInclude(page.text(), '<script>alert(1)')
    assert.notInclude(page.text(), '<img src=x')
    assert.include(page.text(), '&lt;script&gt;alert(1)&lt;/script&gt;')
  }).timeout(120_000)

  test('a member without any permission sees the list and a certificate, without download or change buttons', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { certificates } = await issued(org, { count: 1 })
    const { user } = await givenMember(org, await givenCustomRole(org, []))
    const list = await actingAs(client.get('/certificates'), user, org)
    list.assertStatus(200)
    assert.deepEqual(listed(list), [certificates[0].id])
    const page = await actingAs(client.get(`/certificates/${certificates[0].id}`), user, org)
    page.assertStatus(200)
    assert.notInclude(page.text(), 'id="download-pdf"')
    assert.notInclude(page.text(), 'id="revoke-form"')
    assert.notInclude(page.text(), 'id="reissue-form"')
    const preview = await actingAs(
      client.get(`/certificates/${certificates[0].id}/preview`),
      user,
      org
    )
    preview.assertStatus(200)
  }).timeout(90_000)
})

test.group('Certificates (web): one certificate', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('its page shows the preview, number, recipient, title, dates, status, verification link and history', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { job, certificates } = await issued(org, { count: 1 })
    const certificate = certificates[0]
    const page = await actingAs(client.get(`/certificates/${certificate.id}`), owner, org)
    page.assertStatus(200)
    const html = page.text()
    assert.include(
      html,
      `<img class="certificate-preview" id="certificate-preview" src="/certificates/${certificate.id}/preview"`
    )
    assert.include(
      html,
      `<span class="mono" id="certificate-number">${certificate.certificateNumber}</span>`
    )
    assert.include(html, '<h1 id="certificate-recipient"><bdi>Learner 1</bdi></h1>')
    assert.include(html, '<dd>learner1@example.com</dd>')
    assert.include(html, '<dd><bdi>Data Science</bdi></dd>')
    assert.include(html, '<dd>2026-03-15</dd>')
    assert.include(html, 'id="certificate-banner" data-status="valid"')
    assert.include(html, 'with no expiry date')
    assert.include(
      html,
      `<a href="${verificationUrl(certificate.id)}" id="verification-url" hx-boost="false">`
    )
    assert.include(
      html,
      `href="/certificates/${certificate.id}/pdf" class="btn btn-primary" id="download-pdf"`
    )
    assert.include(html, `href="/generation-jobs/${job.id}"`)
    assert.include(html, `<li data-event="issued">`)
    assert.include(html, `<strong>Issued as ${certificate.certificateNumber}</strong>`)
    assert.include(html, `<dd class="mono small certificate-hash">${certificate.sha256}</dd>`)
    // The forms to change it, prefilled with what it holds now.
    assert.include(
      html,
      'id="reissue-recipient_name" name="changes[recipient_name]" maxlength="500" value="Learner 1"'
    )
    assert.include(
      html,
      'name="changes[recipient_email]" maxlength="500" value="learner1@example.com"'
    )
    assert.include(html, 'name="changes[course_name]" maxlength="500" value="Data Science"')
    assert.notInclude(html, 'changes[issue_date]', 'dates are not corrected on a reissue')
    assert.include(html, 'id="revoke-form"')
  }).timeout(90_000)

  test('the preview is a PNG of the issued PDF, cached by the PDF’s hash', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { certificates } = await issued(org, { count: 1 })
    const certificate = certificates[0]
    const preview = await actingAs(
      client.get(`/certificates/${certificate.id}/preview`),
      owner,
      org
    )
    preview.assertStatus(200)
    preview.assertHeader('content-type', 'image/png')
    preview.assertHeader('etag', `"preview-${certificate.sha256}"`)
    assert.equal(preview.header('cache-control'), 'private, max-age=86400')
    const png = bytesOf(preview)
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    assert.equal(Buffer.from(png.subarray(16, 20)).readUInt32BE(0), 1400, 'drawn 1400 px wide')

    const again = await actingAs(
      client
        .get(`/certificates/${certificate.id}/preview`)
        .header('if-none-match', `"preview-${certificate.sha256}"`),
      owner,
      org
    )
    again.assertStatus(304)
  }).timeout(90_000)

  test('Download PDF sends the exact bytes issued; it needs certificates.download', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { certificates } = await issued(org, { count: 1 })
    const certificate = certificates[0]
    const pdf = await binary(
      actingAs(client.get(`/certificates/${certificate.id}/pdf`), owner, org)
    )
    pdf.assertStatus(200)
    pdf.assertHeader('content-type', 'application/pdf')
    assert.match(
      pdf.header('content-disposition')!,
      new RegExp(`^attachment; filename="${certificate.certificateNumber}-learner-1\\.pdf"`)
    )
    assert.equal(sha256Hex(bytesOf(pdf)), certificate.sha256)

    const { user } = await givenMember(
      org,
      await givenCustomRole(org, ['certificates.issue', 'certificates.revoke'])
    )
    const download = await actingAs(client.get(`/certificates/${certificate.id}/pdf`), user, org)
    download.assertStatus(403)
  }).timeout(90_000)
})

test.group('Certificates (web): revoking and reissuing', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('Revoke needs a reason, then marks it revoked with the reason and date; a second revoke is refused', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { certificates } = await issued(org, { count: 1 })
    const certificate = certificates[0]
    const revoke = (reason: string) =>
      actingAs(
        client
          .post(`/certificates/${certificate.id}/revocation`)
          .form({ reason })
          .withCsrfToken()
          .redirects(0),
        owner,
        org
      )

    const empty = await revoke('   ')
    empty.assertHeader('location', `/certificates/${certificate.id}`)
    assert.equal(
      fieldErrorOf(empty, 'reason'),
      'Say why the certificate is revoked; the reason is shown on its verification page.'
    )
    const long = await revoke('x'.repeat(501))
    assert.equal(fieldErrorOf(long, 'reason'), 'The reason can be at most 500 characters.')
    assert.equal(long.flashMessages().reason, 'x'.repeat(501), 'the reason typed is kept')
    await certificate.refresh()
    assert.equal(certificate.status, 'issued')

    const done = await revoke('Issued to the wrong batch')
    done.assertHeader('location', `/certificates/${certificate.id}`)
    assert.equal(
      flashOf(done, 'success'),
      `Certificate ${certificate.certificateNumber} revoked. Its verification page now says so, with your reason.`
    )
    await certificate.refresh()
    assert.equal(certificate.status, 'revoked')
    assert.equal(certificate.revocationReason, 'Issued to the wrong batch')
    assert.equal(certificate.revokedBy, owner.id)
    const [audit] = await auditRows(org, 'certificate.revoked')
    assert.equal(audit.entity_id, certificate.id)
    assert.equal(metadataOf(audit).via, 'web')

    const page = await actingAs(client.get(`/certificates/${certificate.id}`), owner, org)
    const html = page.text()
    assert.include(html, 'id="certificate-banner" data-status="revoked"')
    assert.include(html, `<strong>Revoked on ${formatDate(certificate.revokedAt)}.</strong>`)
    assert.include(
      html,
      '<span class="certificate-reason" id="revocation-reason">Reason: Issued to the wrong batch</span>'
    )
    assert.include(html, '<li data-event="revoked">')
    assert.include(html, `<span class="muted">by ${owner.email}</span>`)
    assert.include(html, '<p class="history-detail">Issued to the wrong batch</p>')
    assert.notInclude(
      html,
      'id="revoke-form"',
      'a revoked certificate cannot be revoked or reissued'
    )

    const again = await revoke('Once more')
    assert.equal(
      flashOf(again, 'error'),
      'This certificate is already revoked; only a valid or expired certificate can be revoked.'
    )
  }).timeout(90_000)

  test('Reissue issues a corrected certificate under a new number, marks the old one superseded and links them both ways', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { certificates } = await issued(org, { count: 1 })
    const old = certificates[0]
    const reissue = (changes: Record<string, string>) =>
      actingAs(
        client
          .post(`/certificates/${old.id}/reissue`)
          .form({ changes })
          .withCsrfToken()
          .redirects(0),
        owner,
        org
      )
    const unchanged = {
      recipient_name: 'Learner 1',
      recipient_email: 'learner1@example.com',
      recipient_phone: '',
      course_name: 'Data Science',
    }

    const nothing = await reissue(unchanged)
    nothing.assertHeader('location', `/certificates/${old.id}`)
    assert.equal(correctionError(nothing, 'recipient_name'), 'Give at least one corrected value.')
    const badEmail = await reissue({ ...unchanged, recipient_email: 'not-an-email' })
    assert.equal(
      correctionError(badEmail, 'recipient_email'),
      '"not-an-email" is not an email address.'
    )
    const emptyName = await reissue({ ...unchanged, recipient_name: ' ' })
    assert.equal(
      correctionError(emptyName, 'recipient_name'),
      'The recipient name cannot be empty.'
    )
    assert.lengthOf(await Certificate.query().where('organization_id', org.id), 1)

    const done = await reissue({
      ...unchanged,
      recipient_name: 'Learner One',
      course_name: 'Data Science with Python',
    })
    const replacement = await Certificate.query()
      .where('organization_id', org.id)
      .whereNot('id', old.id)
      .firstOrFail()
    done.assertHeader('location', `/certificates/${replacement.id}`)
    assert.equal(
      flashOf(done, 'success'),
      `Reissued as ${replacement.certificateNumber}. ${old.certificateNumber} is now marked superseded, and its verification page points here.`
    )
    assert.deepEqual(
      [replacement.recipientName, replacement.title, replacement.issueDate, replacement.status],
      ['Learner One', 'Data Science with Python', old.issueDate, 'issued']
    )
    assert.notEqual(replacement.certificateNumber, old.certificateNumber)
    await old.refresh()
    assert.equal(old.status, 'superseded')
    assert.equal(old.supersededByCertificateId, replacement.id)
    const [audit] = await auditRows(org, 'certificate.reissued')
    assert.sameMembers(metadataOf(audit).changed, ['recipient_name', 'course_name'])

    const replacementShown = await actingAs(
      client.get(`/certificates/${replacement.id}`),
      owner,
      org
    )
    const newPage = replacementShown.text()
    assert.include(
      newPage,
      `<a href="/certificates/${old.id}" id="reissued-from">${old.certificateNumber}</a>`
    )
    assert.include(newPage, '<li data-event="reissued">')
    assert.include(
      newPage,
      `<a href="/certificates/${old.id}">Replaces ${old.certificateNumber}</a>`
    )
    assert.include(newPage, '<p class="history-detail">Corrected: Recipient name, Course name</p>')

    const oldShown = await actingAs(client.get(`/certificates/${old.id}`), owner, org)
    const oldPage = oldShown.text()
    assert.include(oldPage, 'id="certificate-banner" data-status="superseded"')
    assert.include(
      oldPage,
      `<a href="/certificates/${replacement.id}" id="superseded-by">See ${replacement.certificateNumber}</a>`
    )
    assert.include(oldPage, '<li data-event="superseded">')
    assert.include(
      oldPage,
      `<a href="/certificates/${replacement.id}">${replacement.certificateNumber}</a>`
    )
    assert.notInclude(oldPage, 'id="reissue-form"')

    const twice = await reissue({ ...unchanged, recipient_name: 'Learner Uno' })
    assert.equal(
      flashOf(twice, 'error'),
      'This certificate is superseded; only a valid or expired certificate can be reissued.'
    )
  }).timeout(90_000)

  test('revoking and reissuing need certificates.revoke: a plain member gets 403 and nothing changes', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { certificates } = await issued(org, { count: 1 })
    const certificate = certificates[0]
    const { user } = await givenMember(org, 'member')
    const page = await actingAs(client.get(`/certificates/${certificate.id}`), user, org)
    assert.include(page.text(), 'id="download-pdf"', 'members may download')
    assert.notInclude(page.text(), 'id="revoke-form"')
    const revocation = await actingAs(
      client
        .post(`/certificates/${certificate.id}/revocation`)
        .form({ reason: 'No' })
        .withCsrfToken(),
      user,
      org
    )
    revocation.assertStatus(403)
    const reissue = await actingAs(
      client
        .post(`/certificates/${certificate.id}/reissue`)
        .form({ changes: { recipient_name: 'Someone' } })
        .withCsrfToken(),
      user,
      org
    )
    reissue.assertStatus(403)
    await certificate.refresh()
    assert.equal(certificate.status, 'issued')
  }).timeout(90_000)

  test("another org's certificate is a 404 on every certificate route", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: other } = await givenOrg()
    const { certificates } = await issued(other, { count: 1 })
    const foreign = certificates[0]
    const as = (request: any, user: User) => actingAs(request, user, org)
    for (const [method, url] of [
      ['GET', `/certificates/${foreign.id}`],
      ['GET', `/certificates/${foreign.id}/pdf`],
      ['GET', `/certificates/${foreign.id}/preview`],
      ['POST', `/certificates/${foreign.id}/revocation`],
      ['POST', `/certificates/${foreign.id}/reissue`],
    ]) {
      const request = client.request(url, method as any).redirects(0)
      const response = await as(
        method === 'GET'
          ? request
          : request
              .form({ reason: 'Not yours', changes: { recipient_name: 'Mallory' } })
              .withCsrfToken(),
        owner
      )
      assert.equal(response.status(), 404, `${method} ${url}`)
    }
    await foreign.refresh()
    assert.equal(foreign.status, 'issued')
  }).timeout(90_000)
})

/*
| Hostile input, as a probe sends it: control characters, bidi overrides,
| names without letters, keys that name Object.prototype members, absurd
| page numbers and a JSON body nested a hundred thousand deep. Each must be
| cleaned or refused with a message that says why, never a 500, on both
| engines (PostgreSQL refuses a NUL in text; SQLite stores it).
*/
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import Certificate from '#certificates/models/certificate'
import StoredFile from '#core/models/stored_file'
import { readDocument } from '#core/queries/org_files'
import { extractText } from '#templates/services/rasterize'
import CertificateTemplate from '#templates/models/certificate_template'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { NAME_COURSE_NUMBER_QR, givenJob, runJobs } from '#tests/helpers/certificates'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport, rowsOf } from '#tests/helpers/imports'
import { flashOf } from '#tests/helpers/flash'

async function apiOrg() {
  const { org, owner } = await givenOrg()
  const { secret } = await givenApiKey(org)
  return { org, owner, key: secret }
}

const csv = (lines: string[]) => ({
  bytes: new TextEncoder().encode(lines.join('\n')),
  name: 'recipients.csv',
})

const importCount = (orgId: string) =>
  db
    .from('file_import_jobs')
    .where('organization_id', orgId)
    .count('* as n')
    .first()
    .then((row) => Number(row.n))

test.group('Hostile input: control characters are stripped at the edge', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  // Templates are normalised in child processes and certificates rendered: slow on a busy machine.
  group.each.timeout(120_000)

  test('API recipients holding NUL and escape bytes are issued with the bytes removed', async ({
    client,
    assert,
  }) => {
    const owner = await apiOrg()
    const { template } = await givenTemplate(owner.org, { fields: NAME_COURSE_NUMBER_QR })
    const created = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(owner.key)
      .json({
        template_ids: [template.id],
        recipients: [
          {
            recipient_name: 'Asha\u0000 Rao\u001b',
            recipient_email: 'asha@example.com\u0000',
            course_name: 'Pot\u0007tery\u009b',
          },
        ],
      })
    created.assertStatus(202)
    await runJobs()
    const certificate = await Certificate.query()
      .where('generation_job_id', created.body().id)
      .firstOrFail()
    assert.equal(certificate.recipientName, 'Asha Rao')
    assert.equal(certificate.recipientEmail, 'asha@example.com')
    assert.equal(certificate.title, 'Pottery')
  })

  test('a NUL in a search, a template name and a field label is removed, not a 500', async ({
    client,
    assert,
  }) => {
    const { org, owner, key } = await apiOrg()
    const { template } = await givenTemplate(org)
    for (const url of ['/api/v1/certificates?q=%00', '/api/v1/templates?q=a%00b']) {
      const response = await client.get(url).bearerToken(key)
      assert.equal(response.status(), 200, url)
    }
    for (const url of ['/certificates?q=%00', '/templates?q=%00', '/imports?page=1%00']) {
      const response = await actingAs(client.get(url), owner, org)
      assert.equal(response.status(), 200, url)
    }

    const renamed = await actingAs(
      client
        .put(`/templates/${template.id}`)
        .form({ name: 'Course\u0000 completion\u0085' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    renamed.assertStatus(302)
    const saved = await CertificateTemplate.findOrFail(template.id)
    assert.equal(saved.name, 'Course completion')

    const fields = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({
        fields: [
          { ...NAME_COURSE_NUMBER_QR[0], label: 'Full\u0000 name' },
          NAME_COURSE_NUMBER_QR[1],
        ],
      })
    fields.assertStatus(200)
    const label = await db
      .from('certificate_template_fields')
      .where('field_key', 'recipient_name')
      .whereIn(
        'template_version_id',
        db.from('certificate_template_versions').where('template_id', template.id).select('id')
      )
      .orderBy('created_at', 'desc')
      .select('label')
      .first()
    assert.equal(label.label, 'Full name')
  })

  // A NUL makes a file binary (refused as not a spreadsheet); other control bytes get through the reader.
  test('an imported file with control characters in its cells stores them removed', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const list = await givenImport(
      org,
      csv([
        'Full Name,Email Address,Course',
        'Asha\u0007 Rao\u001b,asha\u0001@example.com,Data\u0008 Science\u007f',
      ])
    )
    const [row] = await rowsOf(list)
    assert.deepEqual(row.raw, ['Asha Rao', 'asha@example.com', 'Data Science'])
    assert.equal(row.data.recipient_name, 'Asha Rao')
    assert.equal(row.data.recipient_email, 'asha@example.com')
    assert.equal(row.errorCount, 0)
  })
})

test.group('Hostile input: bidi controls are refused', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  // Templates are normalised in child processes and certificates rendered: slow on a busy machine.
  group.each.timeout(120_000)

  test('an API recipient named Evil\\u202Egnp.exe is a 422 naming the recipient and field; nothing is created', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({
        template_ids: [template.id],
        recipients: [
          { recipient_name: 'Asha Rao' },
          { recipient_name: 'Evil\u202Egnp.exe', course_name: 'Isolated \u2067text\u2069' },
        ],
      })
    response.assertStatus(422)
    const errors = response.body().errors
    assert.deepEqual(
      errors.map((error: { field: string }) => error.field),
      ['recipients.1.recipient_name', 'recipients.1.course_name']
    )
    assert.include(errors[0].message, 'U+202E')
    assert.include(errors[1].message, 'U+2067')
    assert.equal(await importCount(org.id), 0)
  })

  test('a form field holding a bidi override goes back with the error under the field', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { template } = await givenTemplate(org, { name: 'Course completion' })
    const response = await actingAs(
      client
        .put(`/templates/${template.id}`)
        .form({ name: 'Course \u202Enoitelpmoc' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    assert.match(flashOf(response).inputErrorsBag.name[0], /U\+202E/)
    const unchanged = await CertificateTemplate.findOrFail(template.id)
    assert.equal(unchanged.name, 'Course completion')
  })

  test('an imported row holding a bidi control is a row error naming its column', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const list = await givenImport(
      org,
      csv([
        'Full Name,Email Address,Course',
        'Evil\u202Egnp.exe,evil@example.com,Data Science',
        'Asha Rao,asha@example.com,Data \u2066Science\u2069',
        'Ravi Kumar,ravi@example.com,Data Science',
      ])
    )
    const rows = await rowsOf(list)
    assert.deepEqual(
      rows.map((row) => row.errors.map((error) => [error.code, error.field])),
      [[['E_BIDI_CONTROL', 'recipient_name']], [['E_BIDI_CONTROL', 'course_name']], []]
    )
    assert.match(rows[0].errors[0].message, /^Full Name \(column A\): .*U\+202E/)
    assert.match(rows[1].errors[0].message, /^Course \(column C\): .*U\+2066/)
  })
})

test.group('Hostile input: a name needs a letter', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  // Templates are normalised in child processes and certificates rendered: slow on a busy machine.
  group.each.timeout(120_000)

  test('a name of combining marks only is a row error in an import and a 422 in the API', async ({
    client,
    assert,
  }) => {
    const marks = '\u0301\u0302\u0303\u0304\u0305\u0306'
    const { org, key } = await apiOrg()
    const list = await givenImport(
      org,
      csv([
        'Full Name,Email Address,Course',
        `${marks},marks@example.com,Data Science`,
        'अनन्या गुप्ता,ananya@example.com,Data Science',
      ])
    )
    const rows = await rowsOf(list)
    assert.deepEqual(
      rows.map((row) => row.errors.map((error) => error.code)),
      [['E_NAME_NO_LETTERS'], []]
    )

    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({ template_ids: [template.id], recipients: [{ recipient_name: marks }] })
    response.assertStatus(422)
    assert.equal(response.body().errors[0].field, 'recipients.0.recipient_name')
    assert.equal(response.body().errors[0].code, 'E_NAME_NO_LETTERS')
  })
})

test.group('Hostile input: deeply nested JSON', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  // Templates are normalised in child processes and certificates rendered: slow on a busy machine.
  group.each.timeout(120_000)

  test('a body nested 100,000 deep answers 400 with a human message', async ({ assert }) => {
    const { key } = await apiOrg()
    const depth = 100_000
    // Sent as text: the test client would stringify an object, recursively.
    const response = await fetch(
      `http://${process.env.HOST}:${process.env.PORT}/api/v1/generation-jobs`,
      {
        method: 'POST',
        headers: { 'authorization': `Bearer ${key}`, 'content-type': 'application/json' },
        body: `${'['.repeat(depth)}${']'.repeat(depth)}`,
      }
    )
    assert.equal(response.status, 400)
    assert.deepEqual(await response.json(), {
      errors: [
        {
          code: 'E_BODY_TOO_DEEP',
          message: 'The request body is nested too deeply (limit 32 levels).',
        },
      ],
    })
  })

  test('a body nested past the limit but within the stack is refused the same way', async ({
    client,
    assert,
  }) => {
    const { key } = await apiOrg()
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json(JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`))
    response.assertStatus(400)
    assert.equal(response.body().errors[0].code, 'E_BODY_TOO_DEEP')
  })
})

test.group('Hostile input: page numbers', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  // Templates are normalised in child processes and certificates rendered: slow on a busy machine.
  group.each.timeout(120_000)

  const BAD = [
    ['page=1e18', 'page'],
    ['page=1e20', 'page'],
    ['page=0', 'page'],
    ['page=-3', 'page'],
    ['page=1.5', 'page'],
    ['page=abc', 'page'],
    ['page=1000001', 'page'],
    ['per_page=101', 'per_page'],
    ['per_page=0', 'per_page'],
    ['per_page=1e3', 'per_page'],
  ] as const

  test('every API list answers 422 naming page or per_page when they are not whole numbers in bounds', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const list = await givenImport(org, csv(['Full Name,Email', 'Asha Rao,asha@example.com']))
    const lists = [
      '/api/v1/templates',
      '/api/v1/imports',
      `/api/v1/imports/${list.id}/rows`,
      '/api/v1/generation-jobs',
      '/api/v1/certificates',
    ]
    for (const url of lists) {
      for (const [query, field] of BAD) {
        const response = await client.get(`${url}?${query}`).bearerToken(key)
        assert.equal(response.status(), 422, `${url}?${query}`)
        assert.equal(response.body().errors[0].field, field, `${url}?${query}`)
      }
      const fine = await client.get(`${url}?page=2&per_page=100`).bearerToken(key)
      assert.equal(fine.status(), 200, url)
      assert.equal(fine.body().meta.page, 2, url)
      assert.equal(fine.body().meta.per_page, 100, url)
    }
  })

  test('every page of lists answers 422 naming the parameter; a valid page number still works', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const list = await givenImport(org, csv(['Full Name,Email', 'Asha Rao,asha@example.com']))
    const lists = [
      '/templates',
      '/imports',
      `/imports/${list.id}`,
      '/generation-jobs',
      '/certificates',
      '/members',
      '/audit-log',
    ]
    for (const url of lists) {
      for (const query of ['page=1e20', 'page=0']) {
        const response = await actingAs(client.get(`${url}?${query}`), owner, org)
        assert.equal(response.status(), 422, `${url}?${query}`)
        assert.include(response.text(), 'page', `${url}?${query}`)
      }
      const fine = await actingAs(client.get(`${url}?page=3`), owner, org)
      assert.equal(fine.status(), 200, url)
    }
  })
})

test.group('Hostile input: keys that name Object.prototype members', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  // Templates are normalised in child processes and certificates rendered: slow on a busy machine.
  group.each.timeout(120_000)

  test('a template field keyed constructor, __proto__, toString or hasOwnProperty is refused', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org)
    for (const fieldKey of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const response = await client
        .put(`/api/v1/templates/${template.id}/fields`)
        .bearerToken(key)
        .json({ fields: [{ ...NAME_COURSE_NUMBER_QR[1], key: fieldKey, type: 'text' }] })
      assert.equal(response.status(), 422, fieldKey)
      assert.equal(response.body().errors[0].field, 'fields.0.key', fieldKey)
    }
    const constructor = await client
      .put(`/api/v1/templates/${template.id}/fields`)
      .bearerToken(key)
      .json({ fields: [{ ...NAME_COURSE_NUMBER_QR[1], key: 'constructor', type: 'text' }] })
    assert.equal(constructor.body().errors[0].code, 'E_FIELD_KEY_RESERVED')
  })

  test('API recipients with keys constructor, toString and hasOwnProperty are unknown keys, not Object members', async ({
    client,
    assert,
  }) => {
    const { org, key } = await apiOrg()
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({
        template_ids: [template.id],
        recipients: [
          {
            recipient_name: 'Asha Rao',
            constructor: 'a',
            toString: 'b',
            hasOwnProperty: 'c',
          },
        ],
      })
    response.assertStatus(422)
    assert.deepEqual(
      response
        .body()
        .errors.map((error: { code: string; field: string }) => [error.code, error.field]),
      [
        ['E_UNKNOWN_KEY', 'recipients.0.constructor'],
        ['E_UNKNOWN_KEY', 'recipients.0.toString'],
        ['E_UNKNOWN_KEY', 'recipients.0.hasOwnProperty'],
      ]
    )
  })

  test('a field keyed constructor saved before the rule prints the row data, or nothing, never Object', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    // A version saved before keys naming Object.prototype members were refused.
    const { templateIds } = await givenJob(org, { count: 1, start: false })
    const versions = db
      .from('certificate_template_versions')
      .whereIn('template_id', templateIds)
      .select('id')
    await db
      .from('certificate_template_fields')
      .whereIn('template_version_id', versions)
      .where('field_key', 'course_name')
      .update({ field_key: 'constructor' })

    const withGuild = await givenImport(
      org,
      csv(['Full Name,Email,Guild', 'Asha Rao,asha@example.com,Potters Guild']),
      {
        templateIds,
        mapping: { recipient_name: 'Full Name', recipient_email: 'Email', constructor: 'Guild' },
      }
    )
    const without = await givenImport(
      org,
      csv(['Full Name,Email', 'Ravi Kumar,ravi@example.com']),
      { templateIds, mapping: { recipient_name: 'Full Name', recipient_email: 'Email' } }
    )
    const { default: CreateGenerationJob } =
      await import('#certificates/actions/create_generation_job')
    const texts: string[] = []
    for (const list of [withGuild, without]) {
      assert.equal(list.status, 'ready', `${list.failureCode}: ${list.failureMessage}`)
      const created = await CreateGenerationJob.handle({
        org,
        templateIds,
        importId: list.id,
        issueDate: '2026-03-15',
        expiry: { mode: 'none' },
        start: true,
        actorUserId: null,
      })
      assert.equal(created.kind, 'created', JSON.stringify(created))
      if (created.kind !== 'created') return
      await runJobs()
      const certificate = await Certificate.query()
        .where('generation_job_id', created.job.id)
        .firstOrFail()
      texts.push(
        await extractText(
          await readDocument(await StoredFile.findOrFail(certificate.certificateFileId))
        )
      )
    }
    assert.include(texts[0], 'Asha Rao')
    assert.include(texts[0], 'Potters Guild')
    assert.include(texts[1], 'Ravi Kumar')
    for (const text of texts) assert.notInclude(text, 'function')
  })
})

import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { NAME_COURSE_NUMBER_QR, recipientsCsv } from '#tests/helpers/certificates'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'

/** Every table a job's creation writes to, with the recipient list it may create. */
const WRITTEN = [
  'file_import_jobs',
  'file_import_rows',
  'certificate_generation_jobs',
  'generation_job_templates',
  'generation_job_recipients',
  'generation_job_chunks',
  'app_audit_logs',
] as const

async function rowCounts() {
  const counts: Record<string, number> = {}
  for (const table of WRITTEN) {
    const row = await db.from(table).count('* as n').first()
    counts[table] = Number(row.n)
  }
  return counts
}

/**
 * The next INSERT into `table` fails, as a full disk or a broken constraint would: a trigger
 * created inside the test's transaction, so it is rolled back with it.
 */
async function failInsertsInto(table: string) {
  if (db.connection().dialect.name === 'postgres') {
    await db.rawQuery(
      `CREATE FUNCTION forced_failure() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'forced failure'; END $$`
    )
    await db.rawQuery(
      `CREATE TRIGGER forced_failure BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION forced_failure()`
    )
  } else {
    await db.rawQuery(
      `CREATE TRIGGER forced_failure BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'forced failure'); END`
    )
  }
}

const RECIPIENTS = [
  { recipient_name: 'Asha Rao', recipient_email: 'asha@example.com', course_name: 'Pottery' },
  { recipient_name: 'Ravi Kumar', recipient_email: 'ravi@example.com', course_name: 'Pottery' },
]

async function apiOrg() {
  const { org, owner } = await givenOrg()
  const { secret } = await givenApiKey(org)
  const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
  return { org, owner, key: secret, template }
}

test.group('Creating a generation job is one transaction', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  for (const table of WRITTEN) {
    test(`API with recipients: when the insert into ${table} fails, no list, row or job is left`, async ({
      client,
      assert,
    }) => {
      const { key, template } = await apiOrg()
      const before = await rowCounts()
      await failInsertsInto(table)
      const response = await client
        .post('/api/v1/generation-jobs')
        .bearerToken(key)
        .json({ template_ids: [template.id], recipients: RECIPIENTS })
      response.assertStatus(500)
      assert.deepEqual(await rowCounts(), before)
    })
  }

  for (const table of WRITTEN.slice(2)) {
    test(`web form: when the insert into ${table} fails, no job is left`, async ({
      client,
      assert,
    }) => {
      const { org, owner, template } = await apiOrg()
      const list = await givenImport(org, recipientsCsv(3))
      const before = await rowCounts()
      await failInsertsInto(table)
      const response = await actingAs(
        client
          .post('/generation-jobs')
          .form({
            template_ids: [template.id],
            import_id: list.id,
            issue_date: '2026-03-15',
            expiry_mode: 'none',
            start: 'now',
          })
          .withCsrfToken()
          .redirects(0),
        owner,
        org
      )
      response.assertStatus(500)
      assert.deepEqual(await rowCounts(), before)
    })
  }

  test('API with recipients: a recipient refused after the list was written leaves no list, row or job', async ({
    client,
    assert,
  }) => {
    const { key, template } = await apiOrg()
    const before = await rowCounts()
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({
        template_ids: [template.id],
        recipients: [...RECIPIENTS, { recipient_name: 'Mira', shoe_size: '7' }],
      })
    response.assertStatus(422)
    assert.deepInclude(response.body().errors, {
      code: 'E_UNKNOWN_KEY',
      message: 'recipients[2].shoe_size is not a key of the chosen templates.',
      field: 'recipients.2.shoe_size',
      row: 2,
    })
    assert.deepEqual(await rowCounts(), before)
  })

  test('API with recipients: the list, its rows and the job are all there once it answers 202', async ({
    client,
    assert,
  }) => {
    const { org, key, template } = await apiOrg()
    const before = await rowCounts()
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({ template_ids: [template.id], recipients: RECIPIENTS, start: false })
    response.assertStatus(202)
    const after = await rowCounts()
    assert.equal(after.file_import_jobs - before.file_import_jobs, 1)
    assert.equal(after.file_import_rows - before.file_import_rows, 2)
    assert.equal(after.certificate_generation_jobs - before.certificate_generation_jobs, 1)
    assert.equal(after.generation_job_recipients - before.generation_job_recipients, 2)
    const job = await db
      .from('certificate_generation_jobs')
      .where('id', response.body().id)
      .where('organization_id', org.id)
      .firstOrFail()
    const list = await db.from('file_import_jobs').where('id', job.import_job_id).firstOrFail()
    assert.equal(list.source, 'manual')
  })
})

test.group('Creating a generation job outside a test transaction', () => {
  // On SQLite the pool has one connection: a query of the action made outside its transaction
  // would wait for that connection forever. Only committed data shows it.
  test('API with recipients commits the list, its rows and the job together', async ({
    client,
    assert,
    cleanup,
  }) => {
    const { org, key, template } = await apiOrg()
    cleanup(() => removeOrgData(org.id))
    const response = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(key)
      .json({ template_ids: [template.id], recipients: RECIPIENTS, start: false })
    response.assertStatus(202)
    const recipients = await db
      .from('generation_job_recipients')
      .where('job_id', response.body().id)
      .count('* as n')
      .first()
    assert.equal(Number(recipients.n), 2)
  }).timeout(30_000)
})

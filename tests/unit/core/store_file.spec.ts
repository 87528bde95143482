import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import StoreFile, { StorageKeyTakenError } from '#core/actions/store_file'
import StoredFile from '#core/models/stored_file'
import { findFileOfOrg, readFileOfOrg } from '#core/queries/org_files'
import { InvalidStorageKeyError, storageKey, versionSegment } from '#core/services/storage_keys'
import { storageLocation } from '#config/drive'
import { givenOrg } from '#tests/helpers/given'

const PDF_BYTES = readFileSync(
  new URL('../../../../shared/fixtures/pdf/basicapi.pdf', import.meta.url)
)

const onDisk = (key: string) => join(storageLocation(), key)

test.group('StoreFile', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the bytes land on the disk under the key and the row records size and SHA-256', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const key = storageKey({
      root: 'certificate_templates',
      orgId: org.id,
      parts: [randomUUID(), versionSegment(1), 'source.pdf'],
    })

    const file = await StoreFile.handle({
      orgId: org.id,
      kind: 'template_source',
      key,
      bytes: PDF_BYTES,
      mime: 'application/pdf',
      originalName: 'Award 2026 (final).pdf',
      createdBy: owner.id,
    })

    assert.deepEqual(readFileSync(onDisk(key)), PDF_BYTES)
    const row = await StoredFile.findOrFail(file.id)
    assert.equal(row.organizationId, org.id)
    assert.equal(row.kind, 'template_source')
    assert.equal(row.bucket, 'authentix')
    assert.equal(row.path, key)
    assert.equal(row.mimeType, 'application/pdf')
    assert.strictEqual(row.sizeBytes, PDF_BYTES.length)
    assert.equal(row.originalName, 'Award 2026 (final).pdf')
    assert.equal(row.createdBy, owner.id)
    assert.equal(row.checksum, createHash('sha256').update(PDF_BYTES).digest('hex'))
    assert.isNotNull(row.createdAt)
  })

  test('the org reads its file back through its own id', async ({ assert }) => {
    const { org } = await givenOrg()
    const key = storageKey({
      root: 'org_branding',
      orgId: org.id,
      parts: [randomUUID(), 'logo.png'],
    })
    const bytes = Buffer.from('not really a png, bytes are bytes')
    const stored = await StoreFile.handle({
      orgId: org.id,
      kind: 'branding_asset',
      key,
      bytes,
      mime: 'image/png',
    })

    const { file, bytes: read } = await readFileOfOrg(org.id, stored.id)
    assert.equal(file.id, stored.id)
    assert.deepEqual(Buffer.from(read), bytes)
  })

  test("another org's file id is a 404, not its bytes", async ({ assert }) => {
    const { org } = await givenOrg()
    const { org: other } = await givenOrg()
    const key = storageKey({
      root: 'file_imports',
      orgId: other.id,
      parts: [randomUUID(), 'original.csv'],
    })
    const theirs = await StoreFile.handle({
      orgId: other.id,
      kind: 'import_original',
      key,
      bytes: Buffer.from('name\nA'),
      mime: 'text/plain',
    })

    for (const id of [theirs.id, randomUUID(), 'not-a-uuid']) {
      try {
        await readFileOfOrg(org.id, id)
        assert.fail(`read ${id} through the wrong org`)
      } catch (error) {
        assert.equal(error.code, 'E_ROW_NOT_FOUND', id)
        assert.equal(error.status, 404, id)
      }
    }
    const found = await findFileOfOrg(other.id, theirs.id)
    assert.equal(found.id, theirs.id)
  })

  test('a key outside the convention or of another org is refused before anything is written', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: other } = await givenOrg()
    const badKeys = [
      `uploads/${org.id}/${randomUUID()}.pdf`,
      `certificates/${org.id}/../${randomUUID()}.pdf`,
      `certificates/${org.id}/${randomUUID()}/My Certificate.pdf`,
      `certificates/${other.id}/${randomUUID()}.pdf`,
      `certificates/${org.id}`,
    ]
    for (const key of badKeys) {
      await assert.rejects(
        () =>
          StoreFile.handle({
            orgId: org.id,
            kind: 'certificate_pdf',
            key,
            bytes: PDF_BYTES,
            mime: 'application/pdf',
          }),
        InvalidStorageKeyError
      )
      assert.isFalse(existsSync(onDisk(key)), key)
    }
    const [fileCount] = await db.from('files').where('organization_id', org.id).count('* as total')
    assert.equal(Number(fileCount.total), 0)
  })

  test('a key that is already taken is refused and the stored object is left as it was', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const key = storageKey({
      root: 'exports',
      orgId: org.id,
      parts: [randomUUID(), 'certificates.zip'],
    })
    await StoreFile.handle({
      orgId: org.id,
      kind: 'export_zip',
      key,
      bytes: Buffer.from('first'),
      mime: 'application/zip',
    })

    await assert.rejects(
      () =>
        StoreFile.handle({
          orgId: org.id,
          kind: 'export_zip',
          key,
          bytes: Buffer.from('second'),
          mime: 'application/zip',
        }),
      StorageKeyTakenError
    )
    assert.equal(readFileSync(onDisk(key), 'utf8'), 'first')
    const [fileCount] = await db.from('files').where('path', key).count('* as total')
    assert.equal(Number(fileCount.total), 1)
  })

  test('when the row cannot be inserted the object is removed again and the error is rethrown', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const key = storageKey({ root: 'exports', orgId: org.id, parts: [randomUUID(), 'x.zip'] })
    // A kind outside the CHECK list fails the insert after the write. Run it in
    // its own (nested) transaction so PostgreSQL's aborted statement stays contained.
    const attempt = db.transaction((trx) =>
      StoreFile.handle(
        {
          orgId: org.id,
          kind: 'secret_dump' as 'export_zip',
          key,
          bytes: Buffer.from('x'),
          mime: 'application/zip',
        },
        trx
      )
    )
    await assert.rejects(() => attempt)
    assert.isFalse(existsSync(onDisk(key)))
  })
})

import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import {
  InvalidStorageKeyError,
  STORAGE_ROOTS,
  isStorageKey,
  storageKey,
  versionSegment,
  type StorageRoot,
} from '#core/services/storage_keys'

const orgId = randomUUID()
const templateId = randomUUID()

test.group('Storage keys', () => {
  test('a key is the root, the org id and the parts joined by slashes', ({ assert }) => {
    const key = storageKey({
      root: 'certificate_templates',
      orgId,
      parts: [templateId, 'v0001', 'source.pdf'],
    })
    assert.equal(key, `certificate_templates/${orgId}/${templateId}/v0001/source.pdf`)
  })

  test('every root of the design convention is accepted', ({ assert }) => {
    assert.deepEqual(
      [...STORAGE_ROOTS],
      [
        'org_branding',
        'certificate_templates',
        'file_imports',
        'certificates',
        'exports',
        'deliveries',
        'invoices',
      ]
    )
    for (const root of STORAGE_ROOTS) {
      assert.equal(storageKey({ root, orgId, parts: ['logo.png'] }), `${root}/${orgId}/logo.png`)
    }
  })

  test('an org id in upper case is written in lower case so one org has one folder', ({
    assert,
  }) => {
    const key = storageKey({ root: 'exports', orgId: orgId.toUpperCase(), parts: ['a.zip'] })
    assert.equal(key, `exports/${orgId}/a.zip`)
  })

  test('a root outside the convention is refused', ({ assert }) => {
    for (const root of ['uploads', 'public', '', '../certificates', 'Certificates']) {
      assert.throws(
        () => storageKey({ root: root as StorageRoot, orgId, parts: ['a.pdf'] }),
        InvalidStorageKeyError
      )
    }
  })

  test('an org id that is not a UUID is refused', ({ assert }) => {
    for (const bad of [
      '',
      'acme',
      '..',
      `${orgId}/..`,
      `${orgId}x`,
      '00000000-0000-0000-0000-00000000000g',
    ]) {
      assert.throws(
        () => storageKey({ root: 'exports', orgId: bad, parts: ['a.zip'] }),
        /not a UUID/
      )
    }
  })

  test('empty, relative, separated or unusual parts are refused', ({ assert }) => {
    const bad = [
      '',
      '.',
      '..',
      'a/b',
      'a\\b',
      '../etc',
      'name with space.pdf',
      'résumé.pdf',
      'a:b',
      'a\u0000b',
      '%2e%2e',
      'x'.repeat(129),
    ]
    for (const part of bad) {
      assert.throws(
        () => storageKey({ root: 'file_imports', orgId, parts: [templateId, part] }),
        InvalidStorageKeyError,
        /^Refused storage key: part 1 /,
        JSON.stringify(part)
      )
    }
  })

  test('a key needs at least one part after the org id', ({ assert }) => {
    assert.throws(() => storageKey({ root: 'file_imports', orgId, parts: [] }), /at least one part/)
  })

  test('isStorageKey accepts only keys the builder would produce, for the given org', ({
    assert,
  }) => {
    const key = storageKey({ root: 'invoices', orgId, parts: ['2026', 'inv.pdf'] })
    assert.isTrue(isStorageKey(key))
    assert.isTrue(isStorageKey(key, orgId))
    assert.isFalse(isStorageKey(key, randomUUID()))
    assert.isFalse(isStorageKey(`invoices/${orgId}/../x.pdf`))
    assert.isFalse(isStorageKey(`invoices/${orgId}//x.pdf`))
    assert.isFalse(isStorageKey(`/invoices/${orgId}/x.pdf`))
    assert.isFalse(isStorageKey(`invoices/${orgId}`))
    assert.isFalse(isStorageKey(`tmp/${orgId}/x.pdf`))
  })

  test('version segments have at least four digits', ({ assert }) => {
    assert.equal(versionSegment(1), 'v0001')
    assert.equal(versionSegment(42), 'v0042')
    assert.equal(versionSegment(9999), 'v9999')
    assert.equal(versionSegment(10000), 'v10000')
    for (const bad of [0, -1, 1.5, Number.NaN])
      assert.throws(() => versionSegment(bad), InvalidStorageKeyError)
  })
})

/**
 * Object keys for the Drive disk. Every key is
 * `<root>/<org_uuid>/<part>/<part>/…`, built here from server-generated ids
 * and fixed names only, never from a user's filename. Anything that does not
 * fit is refused with an exception (a programming error, not user input).
 */

export const STORAGE_ROOTS = [
  'org_branding',
  'certificate_templates',
  'file_imports',
  'certificates',
  'exports',
  'deliveries',
  'invoices',
] as const

export type StorageRoot = (typeof STORAGE_ROOTS)[number]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const SAFE_PART = /^[A-Za-z0-9._-]+$/
const MAX_PART_LENGTH = 128

export class InvalidStorageKeyError extends Error {
  constructor(reason: string) {
    super(`Refused storage key: ${reason}`)
    this.name = 'InvalidStorageKeyError'
  }
}

function checkPart(part: unknown, index: number): string {
  if (typeof part !== 'string' || part.length === 0)
    throw new InvalidStorageKeyError(`part ${index} is empty`)
  if (part === '.' || part === '..')
    throw new InvalidStorageKeyError(`part ${index} is a relative path segment`)
  if (part.includes('/') || part.includes('\\'))
    throw new InvalidStorageKeyError(`part ${index} contains a path separator`)
  if (!SAFE_PART.test(part))
    throw new InvalidStorageKeyError(`part ${index} has characters outside [A-Za-z0-9._-]`)
  if (part.length > MAX_PART_LENGTH)
    throw new InvalidStorageKeyError(`part ${index} is longer than ${MAX_PART_LENGTH} characters`)
  return part
}

/**
 * `storageKey({ root: 'certificate_templates', orgId, parts: [templateId, 'v0001', 'source.pdf'] })`
 * → `certificate_templates/<org>/<template>/v0001/source.pdf`.
 */
export function storageKey(input: {
  root: StorageRoot
  orgId: string
  parts: readonly string[]
}): string {
  if (!(STORAGE_ROOTS as readonly string[]).includes(input.root)) {
    throw new InvalidStorageKeyError(`unknown root "${String(input.root)}"`)
  }
  if (typeof input.orgId !== 'string' || !UUID.test(input.orgId)) {
    throw new InvalidStorageKeyError('the organization id is not a UUID')
  }
  if (!Array.isArray(input.parts) || input.parts.length === 0) {
    throw new InvalidStorageKeyError('a key needs at least one part after the organization id')
  }
  const parts = input.parts.map((part, index) => checkPart(part, index))
  return [input.root, input.orgId.toLowerCase(), ...parts].join('/')
}

/**
 * True when `key` is exactly what `storageKey` would build: a known root, a
 * UUID org id, and safe parts. `orgId`, when given, must be the key's org.
 */
export function isStorageKey(key: string, orgId?: string): boolean {
  if (typeof key !== 'string') return false
  const [root, org, ...parts] = key.split('/')
  try {
    return (
      storageKey({ root: root as StorageRoot, orgId: org, parts }) === key &&
      (orgId === undefined || org === orgId.toLowerCase())
    )
  } catch {
    return false
  }
}

/** Version folder name: 1 → `v0001` (at least four digits, so names sort in order up to 9999). */
export function versionSegment(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidStorageKeyError(`version ${n} is not a positive integer`)
  return `v${String(n).padStart(4, '0')}`
}

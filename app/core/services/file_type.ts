/**
 * File type detection by content (magic bytes), never by the name or the
 * Content-Type a client sent. Used before any upload is parsed or stored.
 */

export interface DetectedType {
  mime: string
  extension: string
}

export const MIME = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  zip: 'application/zip',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  text: 'text/plain',
} as const

const LABELS: Record<string, string> = {
  [MIME.pdf]: 'PDF',
  [MIME.png]: 'PNG',
  [MIME.jpeg]: 'JPEG',
  [MIME.webp]: 'WebP',
  [MIME.zip]: 'ZIP',
  [MIME.xlsx]: 'Excel (.xlsx)',
  [MIME.text]: 'CSV or plain text',
}

/** How much of the start of a file the text heuristic looks at. */
const TEXT_SAMPLE = 8 * 1024

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0) {
  if (bytes.length < at + signature.length) return false
  return signature.every((byte, i) => bytes[at + i] === byte)
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0))

const PDF = ascii('%PDF-')
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const JPEG = [0xff, 0xd8, 0xff]
const RIFF = ascii('RIFF')
const WEBP = ascii('WEBP')
const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04]
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06]

function contains(bytes: Uint8Array, needle: string) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(needle, 0, 'latin1')
}

/**
 * An Office Open XML workbook is a ZIP holding `[Content_Types].xml` and `xl/` parts (names are
 * stored uncompressed).
 */
function isXlsx(bytes: Uint8Array) {
  return contains(bytes, '[Content_Types].xml') && contains(bytes, 'xl/workbook')
}

function isUtf8(sample: Uint8Array) {
  try {
    // stream: true tolerates a character cut in half at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true })
    return true
  } catch {
    return false
  }
}

/**
 * No control bytes other than tab, LF, FF, CR and the DOS end-of-file mark: an 8-bit text export
 * (e.g. Windows-1252 from Excel).
 */
function isLegacyText(sample: Uint8Array) {
  for (const byte of sample) {
    if (
      byte < 0x20 &&
      byte !== 0x09 &&
      byte !== 0x0a &&
      byte !== 0x0c &&
      byte !== 0x0d &&
      byte !== 0x1a
    )
      return false
    if (byte === 0x7f) return false
  }
  return true
}

function isText(bytes: Uint8Array) {
  if (bytes.length === 0) return false
  // UTF-16 with a byte order mark: NUL bytes are expected there.
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff]))
    return bytes.length % 2 === 0
  const sample = bytes.subarray(0, TEXT_SAMPLE)
  if (sample.includes(0)) return false
  return isUtf8(sample) || isLegacyText(sample)
}

/** The file's real type from its first bytes, or null when it is none we know. */
export function detectFileType(bytes: Uint8Array): DetectedType | null {
  if (startsWith(bytes, PDF)) return { mime: MIME.pdf, extension: 'pdf' }
  if (startsWith(bytes, PNG)) return { mime: MIME.png, extension: 'png' }
  if (startsWith(bytes, JPEG)) return { mime: MIME.jpeg, extension: 'jpg' }
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8))
    return { mime: MIME.webp, extension: 'webp' }
  if (startsWith(bytes, ZIP_LOCAL) || startsWith(bytes, ZIP_EMPTY)) {
    return isXlsx(bytes)
      ? { mime: MIME.xlsx, extension: 'xlsx' }
      : { mime: MIME.zip, extension: 'zip' }
  }
  if (isText(bytes)) return { mime: MIME.text, extension: 'txt' }
  return null
}

export type AllowedResult =
  | { kind: 'ok'; mime: string; extension: string }
  | { kind: 'too_large'; maxBytes: number }
  | { kind: 'unsupported_type'; detected: string | null; allowed: string[] }

/**
 * Size first (cheap, and before anything is parsed), then type by content.
 * `allowed` lists MIME types from `MIME`.
 */
export function assertAllowed(
  bytes: Uint8Array,
  allowed: readonly string[],
  options: { maxBytes: number }
): AllowedResult {
  if (bytes.byteLength > options.maxBytes) return { kind: 'too_large', maxBytes: options.maxBytes }
  const detected = detectFileType(bytes)
  if (!detected || !allowed.includes(detected.mime)) {
    return { kind: 'unsupported_type', detected: detected?.mime ?? null, allowed: [...allowed] }
  }
  return { kind: 'ok', mime: detected.mime, extension: detected.extension }
}

/** 10485760 → "10 MB". */
export function formatBytes(bytes: number) {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`
  return `${bytes} bytes`
}

/** A human name for a MIME type: "PDF", "PNG", …; unknown types are shown as they are. */
export function fileTypeLabel(mime: string) {
  return LABELS[mime] ?? mime
}

/** The sentence to show a user for a refused upload. */
export function uploadProblemMessage(result: Exclude<AllowedResult, { kind: 'ok' }>): string {
  switch (result.kind) {
    case 'too_large':
      return `The file is larger than ${formatBytes(result.maxBytes)}.`
    case 'unsupported_type': {
      const accepted = result.allowed.map(fileTypeLabel)
      const list =
        accepted.length > 1
          ? `${accepted.slice(0, -1).join(', ')} or ${accepted.at(-1)}`
          : accepted[0]
      const found = result.detected
        ? `This is a ${fileTypeLabel(result.detected)} file`
        : 'The type of this file is not recognised'
      return `${found}; accepted: ${list}.`
    }
  }
}

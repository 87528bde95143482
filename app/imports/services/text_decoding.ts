/**
 * Text files as orgs export them: UTF-8 with or without a byte order mark,
 * UTF-16 ("Unicode Text" from Excel) with one, and the legacy Windows-1252
 * of older Excel versions. The encoding is decided from the bytes and
 * reported, so a user can see how their file was read; text that decodes
 * but looks like it was saved twice with the wrong encoding ("JosÃ©") is
 * flagged rather than imported silently.
 */

export type TextEncodingName = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252'

export interface DecodedText {
  text: string
  encoding: TextEncodingName
  /** The text decoded, but shows signs of an earlier wrong conversion. */
  suspectMojibake: boolean
}

export const ENCODING_LABELS: Record<TextEncodingName, string> = {
  'utf-8': 'UTF-8',
  'utf-8-bom': 'UTF-8 (with byte order mark)',
  'utf-16le': 'UTF-16 little-endian (Excel “Unicode Text”)',
  'utf-16be': 'UTF-16 big-endian',
  'windows-1252': 'Windows-1252 (Western European, older Excel)',
}

/** UTF-8 bytes read as Latin-1/1252 and saved again: "Ã©", "Ã¼", "â€™". */
const MOJIBAKE =
  /Ã[\u0080-\u00bf\u00a0-\u00ff]|Â[\u00a0-\u00bf]|â€[\u0099\u009c\u009d\u0093\u0094\u2122\u201c\u201d\u2013\u2014]/

/** Without a BOM, UTF-16 shows as a NUL in every other byte of ASCII text. */
function sniffUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096))
  if (sample.length < 4) return null
  let evenZero = 0
  let oddZero = 0
  for (let i = 0; i + 1 < sample.length; i += 2) {
    if (sample[i] === 0) evenZero++
    if (sample[i + 1] === 0) oddZero++
  }
  const pairs = sample.length / 2
  if (oddZero > pairs * 0.4 && evenZero < pairs * 0.05) return 'utf-16le'
  if (evenZero > pairs * 0.4 && oddZero < pairs * 0.05) return 'utf-16be'
  return null
}

/** Windows-1252's 0x80–0x9F (the rest is Latin-1); unassigned bytes stay C1 controls, as WHATWG says. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152,
  0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
]

/**
 * Node's TextDecoder treats "windows-1252" as Latin-1 (so € ‘ ’ “ ” – —
 * come out as control characters); this decodes it properly. Single-byte:
 * any chunk decodes on its own.
 */
export function decodeWindows1252(bytes: Uint8Array) {
  let out = ''
  for (let at = 0; at < bytes.length; at += 8192) {
    const codes = Array.from(bytes.subarray(at, at + 8192), (byte) =>
      byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80] : byte
    )
    out += String.fromCharCode(...codes)
  }
  return out
}

/** A streaming decoder for one of our encodings (`decode(chunk, { stream })` like TextDecoder's). */
export function textDecoderFor(encoding: TextEncodingName): {
  decode(bytes: Uint8Array, options?: { stream?: boolean }): string
} {
  if (encoding === 'windows-1252') return { decode: (bytes) => decodeWindows1252(bytes) }
  return new TextDecoder(encoding === 'utf-8-bom' ? 'utf-8' : encoding)
}

export function decodeText(bytes: Uint8Array): DecodedText {
  let text: string
  let encoding: TextEncodingName
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    text = new TextDecoder('utf-8').decode(bytes.subarray(3))
    encoding = 'utf-8-bom'
  } else if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = new TextDecoder('utf-16le').decode(bytes.subarray(2))
    encoding = 'utf-16le'
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = new TextDecoder('utf-16be').decode(bytes.subarray(2))
    encoding = 'utf-16be'
  } else {
    const utf16 = sniffUtf16(bytes)
    if (utf16) {
      text = new TextDecoder(utf16).decode(bytes)
      encoding = utf16
    } else {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
        encoding = 'utf-8'
      } catch {
        // Not UTF-8: every byte sequence is valid Windows-1252.
        text = decodeWindows1252(bytes)
        encoding = 'windows-1252'
      }
    }
  }
  return { text, encoding, suspectMojibake: MOJIBAKE.test(text) }
}

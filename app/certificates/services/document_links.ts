import {
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFString,
  PDFHexString,
  decodePDFRawStream,
} from 'pdf-lib'
import { capStreamDecoding } from '#templates/services/template_source'

/**
 * The verification links a PDF names: how verify-by-upload traces a file
 * whose bytes match no issued certificate (re-saved by another tool, or
 * edited) back to the one it was made from. A certificate names its link in
 * its XMP metadata (`dc:identifier`, written uncompressed) and Info subject;
 * tools that re-save a file usually keep both, but may re-encode the Info
 * strings or compress the objects, so when the raw bytes name no link the
 * file is parsed and its metadata read decoded. Runs in a worker thread
 * (render_threads.ts): parsing megabytes never blocks a web event loop.
 */

/** `…/v/<token>`: a 24-byte token, base64url, on any host (the token is what is looked up). */
const LINK =
  /https?:\/\/[^\s<>()"'\\/]+(?:\/[^\s<>()"'\\/]+)*?\/v\/([A-Za-z0-9_-]{32})(?![A-Za-z0-9_-])/g

/** At most this many distinct tokens are returned (a file naming many is not a certificate of ours). */
const MAX_TOKENS = 3

function tokensIn(text: string, into: Set<string>) {
  for (const match of text.matchAll(LINK)) {
    into.add(match[1])
    if (into.size >= MAX_TOKENS) return
  }
}

export async function verificationTokensIn(bytes: Uint8Array): Promise<string[]> {
  const found = new Set<string>()
  tokensIn(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), found)
  if (found.size) return [...found]

  capStreamDecoding()
  let doc: PDFDocument
  try {
    doc = await PDFDocument.load(bytes, {
      updateMetadata: false,
      throwOnInvalidObject: false,
      ignoreEncryption: true,
    })
  } catch {
    return []
  }
  try {
    for (const text of [doc.getSubject(), doc.getKeywords(), doc.getTitle()]) {
      if (text) tokensIn(text, found)
    }
    const metadata = doc.catalog.lookup(PDFName.of('Metadata'))
    if (metadata instanceof PDFRawStream) {
      tokensIn(Buffer.from(decodePDFRawStream(metadata).decode()).toString('utf8'), found)
    }
    // A custom Info entry or an uncommon encoding: every string of the Info dictionary.
    const info = doc.context.lookup(doc.context.trailerInfo.Info)
    if (found.size === 0 && info && 'entries' in info) {
      for (const [, value] of (info as { entries(): [unknown, unknown][] }).entries()) {
        const resolved = doc.context.lookup(value as never)
        if (resolved instanceof PDFString || resolved instanceof PDFHexString) {
          tokensIn(resolved.decodeText(), found)
        }
      }
    }
  } catch {
    // A damaged metadata stream or Info dictionary names nothing.
  }
  return [...found].slice(0, MAX_TOKENS)
}

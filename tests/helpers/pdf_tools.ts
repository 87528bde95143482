import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  PDFRef,
  PDFStream,
  decodePDFRawStream,
  type PDFObject,
} from 'pdf-lib'

/**
 * PDFs read back by tools we did not write: poppler (pdfinfo, pdftotext,
 * pdffonts) and qpdf, installed by `.ci/run`. What they say about a
 * certificate is what a recipient's viewer, an archive or a screen reader
 * will make of it.
 */

/** Hands `use` the path of a temporary file holding the bytes (removed afterwards). */
function withFile<T>(bytes: Uint8Array, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'authentix-pdf-'))
  try {
    const path = join(dir, 'in.pdf')
    writeFileSync(path, bytes)
    return use(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `pdfinfo` as key → value (Title, Author, Tagged, Metadata Stream, …). */
export function pdfInfo(bytes: Uint8Array): Record<string, string> {
  const out = withFile(bytes, (path) =>
    execFileSync('pdfinfo', ['-enc', 'UTF-8', path]).toString('utf8')
  )
  const info: Record<string, string> = {}
  for (const line of out.split('\n')) {
    const match = /^([^:]+):\s*(.*)$/.exec(line)
    if (match) info[match[1].trim()] = match[2].trim()
  }
  return info
}

/** The text of a PDF as poppler's `pdftotext` reads it (UTF-8). */
export function pdfText(bytes: Uint8Array) {
  return withFile(bytes, (path) =>
    execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-']).toString('utf8')
  )
}

/** The XMP packet as `pdfinfo -meta` prints it. */
export function pdfXmp(bytes: Uint8Array) {
  return withFile(bytes, (path) => execFileSync('pdfinfo', ['-meta', path]).toString('utf8'))
}

/** The structure tree as `pdfinfo -struct-text` prints it (roles and the text under each). */
export function pdfStructure(bytes: Uint8Array) {
  return withFile(bytes, (path) => execFileSync('pdfinfo', ['-struct-text', path]).toString('utf8'))
}

/** `qpdf --check`: its exit status is 0 for a clean file, 3 for warnings, 2 for errors. */
export function qpdfCheck(bytes: Uint8Array): { status: number; output: string } {
  return withFile(bytes, (path) => {
    try {
      return { status: 0, output: execFileSync('qpdf', ['--check', path]).toString('utf8') }
    } catch (error: any) {
      return { status: error.status ?? -1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }
    }
  })
}

/** The file as qpdf re-saves it (object streams, streams recompressed): new bytes, same document. */
export function resavedByQpdf(bytes: Uint8Array): Uint8Array {
  return withFile(bytes, (path) => {
    const out = `${path}.out.pdf`
    execFileSync('qpdf', [
      '--object-streams=generate',
      '--recompress-flate',
      '--compression-level=9',
      path,
      out,
    ])
    return new Uint8Array(readFileSync(out))
  })
}

/**
 * The file re-saved by a tool that drops the XMP packet and packs the Info
 * dictionary into a compressed object stream: the verification link is then
 * nowhere in the raw bytes, only in the decoded Info subject.
 */
export async function resavedWithoutXmp(bytes: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false })
  const metadata = doc.catalog.get(PDFName.of('Metadata'))
  doc.catalog.delete(PDFName.of('Metadata'))
  if (metadata instanceof PDFRef) doc.context.delete(metadata)
  return doc.save({ useObjectStreams: true })
}

/**
 * Indirect objects of the newest revision that nothing reaches from the
 * catalog or the Info dictionary (dead weight a tool would drop), as
 * `"<n> 0 R"`.
 */
export async function unreachableObjects(bytes: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false })
  const context = doc.context
  const reached = new Set<PDFRef>()
  const pending: PDFObject[] = [context.trailerInfo.Root, context.trailerInfo.Info].filter(
    (entry): entry is PDFObject => entry !== undefined
  )
  while (pending.length) {
    const object = pending.pop()!
    if (object instanceof PDFRef) {
      if (reached.has(object)) continue
      reached.add(object)
      const target = context.lookup(object)
      if (target) pending.push(target)
    } else if (object instanceof PDFStream) pending.push(object.dict)
    else if (object instanceof PDFDict)
      for (const [, value] of object.entries()) pending.push(value)
    else if (object instanceof PDFArray)
      for (let i = 0; i < object.size(); i++) pending.push(object.get(i))
  }
  return context
    .enumerateIndirectObjects()
    .filter(([ref]) => !reached.has(ref))
    .map(([ref]) => ref.toString())
}

/** `pdffonts`: each font's name and whether it is embedded, as the tool lists them. */
export function pdfFonts(bytes: Uint8Array): Array<{ name: string; embedded: boolean }> {
  const out = withFile(bytes, (path) => execFileSync('pdffonts', [path]).toString('utf8'))
  return out
    .split('\n')
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const columns = line.trim().split(/\s+/)
      // name, type (one or two words), encoding, emb, sub, uni, object, generation
      return { name: columns[0], embedded: columns.at(-5) === 'yes' }
    })
}

/** Every character the page's fonts' ToUnicode maps say some code stands for. */
export async function toUnicodeCharacters(bytes: Uint8Array): Promise<Set<string>> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false })
  const fonts = doc.getPage(0).node.Resources()?.lookup(PDFName.of('Font'))
  const characters = new Set<string>()
  if (!(fonts instanceof PDFDict)) return characters
  for (const [, value] of fonts.entries()) {
    const font = doc.context.lookup(value)
    if (!(font instanceof PDFDict)) continue
    const map = font.lookup(PDFName.of('ToUnicode'))
    if (!(map instanceof PDFRawStream)) continue
    const text = Buffer.from(decodePDFRawStream(map).decode()).toString('latin1')
    const entries = [...text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)].map(([, block]) => block)
    for (const match of entries.join('\n').matchAll(/<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>/g)) {
      const hex = match[1]
      let decoded = ''
      for (let i = 0; i < hex.length; i += 4)
        decoded += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16))
      for (const char of decoded) characters.add(char)
    }
  }
  return characters
}

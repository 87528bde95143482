import { createRequire } from 'node:module'
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFStream, degrees } from 'pdf-lib'

/**
 * Turns an uploaded PDF page or image into the template's source: a fresh
 * one-page PDF whose page is the original page drawn as a form XObject.
 * Only drawing instructions and their resources travel; the catalog,
 * actions, JavaScript, form fields, annotations and embedded files of the
 * upload stay behind. Rotation and the crop box are applied, so the page is
 * exactly what a viewer displays and field coordinates never need to know
 * the original was rotated.
 *
 * Runs in a worker thread with a time and memory limit (see
 * `normalise_template_source` task): PDF parsing of a hostile file can take
 * unbounded time or memory.
 */

export type SourceKind = 'pdf' | 'png' | 'jpeg'

export interface NormalisedSource {
  pdf: Uint8Array
  /** Points, as displayed. */
  pageWidth: number
  pageHeight: number
  /** 1-based page of the upload that was used. */
  page: number
  pageCount: number
  /** The upload's /Rotate for that page (0, 90, 180, 270). */
  rotation: number
  /** Sizes of every page of the upload, as displayed (for the page picker). */
  pages: Array<{ width: number; height: number }>
}

export type NormaliseResult =
  | { kind: 'ok'; source: NormalisedSource }
  | { kind: 'encrypted' }
  | { kind: 'page_out_of_range'; pageCount: number }
  /** `reason` is for the user; `detail`, the parser's own words, for the log. */
  | { kind: 'unreadable'; reason: string; detail?: string }
  | { kind: 'empty' }

/** Keys that make a PDF act (scripts, actions, launches, attachments, rich media). */
export const ACTIVE_CONTENT_KEYS = [
  'JavaScript',
  'JS',
  'OpenAction',
  'AA',
  'Launch',
  'EmbeddedFiles',
  'RichMedia',
  'SubmitForm',
  'ImportData',
  'GoToR',
  'URI',
  'XFA',
  'AcroForm',
  'Annots',
] as const

/**
 * Most bytes one stream may decode to. pdf-lib inflates streams into one
 * growing buffer without a limit, and buffers live outside the V8 heap the
 * worker's limit watches; a decompression bomb stops here instead.
 */
export const MAX_DECODED_STREAM_BYTES = 96 * 1024 * 1024

export class DecodeLimitError extends Error {
  constructor() {
    super(`a stream decodes to more than ${MAX_DECODED_STREAM_BYTES / 1024 / 1024} MB`)
    this.name = 'DecodeLimitError'
  }
}

let decodeCapped = false

/** Caps pdf-lib's stream decoding (idempotent; pdf-lib runs as CommonJS in Node, so this is the instance it uses). */
export function capStreamDecoding() {
  if (decodeCapped) return
  const require = createRequire(import.meta.url)
  const DecodeStream = require('pdf-lib/cjs/core/streams/DecodeStream.js').default
  const ensureBuffer = DecodeStream.prototype.ensureBuffer
  DecodeStream.prototype.ensureBuffer = function (requested: number) {
    if (requested > MAX_DECODED_STREAM_BYTES) throw new DecodeLimitError()
    return ensureBuffer.call(this, requested)
  }
  decodeCapped = true
}

/** Smallest and largest page side accepted, points (1/72 in). 14,400 pt is the PDF limit. */
const MIN_SIDE = 36
const MAX_SIDE = 14_400

/** Images without usable resolution metadata are scaled so the long side is A4's (842 pt). */
const A4_LONG_SIDE = 841.89

function displayedBox(page: ReturnType<PDFDocument['getPage']>) {
  const crop = page.getCropBox()
  const media = page.getMediaBox()
  // A crop box outside the media box is clipped to it, as viewers do.
  const left = Math.max(crop.x, media.x)
  const bottom = Math.max(crop.y, media.y)
  const right = Math.min(crop.x + crop.width, media.x + media.width)
  const top = Math.min(crop.y + crop.height, media.y + media.height)
  if (right - left < 1 || top - bottom < 1)
    return {
      left: media.x,
      bottom: media.y,
      right: media.x + media.width,
      top: media.y + media.height,
    }
  return { left, bottom, right, top }
}

function rotationOf(page: ReturnType<PDFDocument['getPage']>) {
  const angle = page.getRotation().angle
  return (((Math.round(angle / 90) * 90) % 360) + 360) % 360
}

function displayedSize(page: ReturnType<PDFDocument['getPage']>) {
  const box = displayedBox(page)
  const w = box.right - box.left
  const h = box.top - box.bottom
  return rotationOf(page) % 180 === 0 ? { width: w, height: h } : { width: h, height: w }
}

const round2 = (value: number) => Math.round(value * 100) / 100

async function freshDocument() {
  const doc = await PDFDocument.create({ updateMetadata: false })
  doc.setProducer('Authentix')
  doc.setCreator('Authentix')
  return doc
}

/** Removes every active-content key anywhere in the document (belt and braces after the redraw). */
export function disarm(doc: PDFDocument) {
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    const dict =
      object instanceof PDFDict ? object : object instanceof PDFStream ? object.dict : null
    if (!dict) continue
    for (const key of ACTIVE_CONTENT_KEYS) dict.delete(PDFName.of(key))
  }
}

/**
 * A parser's exception says what went wrong inside the parser ("Cannot read
 * properties of undefined (reading 'Pages')"), rarely what is wrong with
 * the file: the user gets a reason they can act on, the log the detail.
 */
function parserFailure(error: unknown, file: 'pdf' | 'image' = 'pdf'): NormaliseResult {
  if (error instanceof DecodeLimitError) return { kind: 'unreadable', reason: error.message }
  const detail = error instanceof Error ? error.message : String(error)
  const encoding = /\/?(\w+)Decode stream encoding not supported/.exec(detail)?.[1]
  if (encoding)
    return {
      kind: 'unreadable',
      reason: `it uses the ${encoding} image encoding, which is not supported`,
      detail,
    }
  const reason = file === 'pdf' ? 'it may be damaged or encrypted' : 'it may be damaged'
  return { kind: 'unreadable', reason, detail }
}

export async function normalisePdf(
  bytes: Uint8Array,
  requestedPage: number
): Promise<NormaliseResult> {
  capStreamDecoding()
  let source: PDFDocument
  try {
    // Loaded with ignoreEncryption so an encrypted file is recognised by its trailer, not by an error message.
    source = await PDFDocument.load(bytes, {
      updateMetadata: false,
      throwOnInvalidObject: false,
      ignoreEncryption: true,
    })
  } catch (error) {
    return parserFailure(error)
  }
  if (source.isEncrypted) return { kind: 'encrypted' }

  let pageCount: number
  try {
    pageCount = source.getPageCount()
  } catch (error) {
    return parserFailure(error)
  }
  if (pageCount === 0) return { kind: 'empty' }
  if (!Number.isInteger(requestedPage) || requestedPage < 1 || requestedPage > pageCount) {
    return { kind: 'page_out_of_range', pageCount }
  }

  try {
    const pages = source.getPages().map((page) => {
      const size = displayedSize(page)
      return { width: round2(size.width), height: round2(size.height) }
    })
    const page = source.getPage(requestedPage - 1)
    const box = displayedBox(page)
    const rotation = rotationOf(page)
    const { width, height } = displayedSize(page)
    if (Math.min(width, height) < MIN_SIDE || Math.max(width, height) > MAX_SIDE) {
      return {
        kind: 'unreadable',
        reason: `the page is ${Math.round(width)} × ${Math.round(height)} pt; pages between ${MIN_SIDE} and ${MAX_SIDE} pt a side are accepted`,
      }
    }

    const doc = await freshDocument()
    const out = doc.addPage([width, height])
    const saved = async () => ({
      kind: 'ok' as const,
      source: {
        pdf: await doc.save({ useObjectStreams: false, objectsPerTick: Number.POSITIVE_INFINITY }),
        pageWidth: round2(width),
        pageHeight: round2(height),
        page: requestedPage,
        pageCount,
        rotation,
        pages,
      },
    })
    // A page without content (a blank page) has nothing to draw.
    if (!page.node.Contents()) return await saved()
    const embedded = await doc.embedPage(page, box)
    // Draw the page as displayed: /Rotate turns it clockwise.
    const w = box.right - box.left
    const h = box.top - box.bottom
    const placement =
      rotation === 90
        ? { x: 0, y: w, rotate: degrees(-90) }
        : rotation === 180
          ? { x: w, y: h, rotate: degrees(180) }
          : rotation === 270
            ? { x: h, y: 0, rotate: degrees(90) }
            : { x: 0, y: 0, rotate: degrees(0) }
    out.drawPage(embedded, { ...placement, width: w, height: h })
    disarm(doc)
    return await saved()
  } catch (error) {
    return parserFailure(error)
  }
}

interface ImageInfo {
  width: number
  height: number
  /** Pixels per inch from the file's metadata, when it says. */
  dpi: number | null
}

function pngInfo(bytes: Uint8Array): ImageInfo | null {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.length < 33 || view.toString('latin1', 12, 16) !== 'IHDR') return null
  const width = view.readUInt32BE(16)
  const height = view.readUInt32BE(20)
  let dpi: number | null = null
  // pHYs: pixels per unit, unit 1 = metre.
  let at = 8
  while (at + 12 <= view.length) {
    const length = view.readUInt32BE(at)
    const type = view.toString('latin1', at + 4, at + 8)
    if (type === 'pHYs' && length >= 9) {
      const perUnitX = view.readUInt32BE(at + 8)
      if (view[at + 16] === 1 && perUnitX > 0) dpi = perUnitX * 0.0254
      break
    }
    if (type === 'IDAT' || type === 'IEND') break
    at += 12 + length
  }
  return { width, height, dpi }
}

function jpegInfo(bytes: Uint8Array): ImageInfo | null {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let dpi: number | null = null
  let at = 2
  while (at + 9 < view.length) {
    if (view[at] !== 0xff) return null
    const marker = view[at + 1]
    const length = view.readUInt16BE(at + 2)
    if (marker === 0xe0 && view.toString('latin1', at + 4, at + 9) === 'JFIF\0') {
      const units = view[at + 11]
      const density = view.readUInt16BE(at + 12)
      if (units === 1 && density > 0) dpi = density
      if (units === 2 && density > 0) dpi = density * 2.54
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the size.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: view.readUInt16BE(at + 5), width: view.readUInt16BE(at + 7), dpi }
    }
    at += 2 + length
  }
  return null
}

/** Largest image accepted as a template background, pixels (a 300 dpi A2 page). */
export const MAX_IMAGE_PIXELS = 40_000_000

export function imageInfo(bytes: Uint8Array, kind: 'png' | 'jpeg') {
  return kind === 'png' ? pngInfo(bytes) : jpegInfo(bytes)
}

/** A PNG or JPEG becomes a one-page PDF at its printed size (or A4's long side when it does not say). */
export async function normaliseImage(
  bytes: Uint8Array,
  kind: 'png' | 'jpeg'
): Promise<NormaliseResult> {
  const info = imageInfo(bytes, kind)
  if (!info || info.width < 1 || info.height < 1)
    return { kind: 'unreadable', reason: `not a readable ${kind.toUpperCase()} image` }
  if (info.width * info.height > MAX_IMAGE_PIXELS) {
    return {
      kind: 'unreadable',
      reason: `the image is ${info.width} × ${info.height} pixels; at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels are accepted`,
    }
  }
  const dpi = info.dpi && info.dpi >= 72 && info.dpi <= 1200 ? info.dpi : null
  const scale = dpi ? 72 / dpi : A4_LONG_SIDE / Math.max(info.width, info.height)
  let width = info.width * scale
  let height = info.height * scale
  if (Math.max(width, height) > MAX_SIDE || Math.min(width, height) < MIN_SIDE) {
    const fit = A4_LONG_SIDE / Math.max(info.width, info.height)
    width = info.width * fit
    height = info.height * fit
  }
  try {
    const doc = await freshDocument()
    const image = kind === 'png' ? await doc.embedPng(bytes) : await doc.embedJpg(bytes)
    const page = doc.addPage([width, height])
    page.drawImage(image, { x: 0, y: 0, width, height })
    const pdf = await doc.save({
      useObjectStreams: false,
      objectsPerTick: Number.POSITIVE_INFINITY,
    })
    const size = { width: round2(width), height: round2(height) }
    return {
      kind: 'ok',
      source: {
        pdf,
        pageWidth: size.width,
        pageHeight: size.height,
        page: 1,
        pageCount: 1,
        rotation: 0,
        pages: [size],
      },
    }
  } catch (error) {
    return parserFailure(error, 'image')
  }
}

/** Every active-content key found in a PDF's objects (empty for a disarmed one). */
export async function activeContentKeys(bytes: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: false })
  const found = new Set<string>()
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    const dict =
      object instanceof PDFDict
        ? object
        : object instanceof PDFStream || object instanceof PDFRawStream
          ? object.dict
          : null
    if (!dict) continue
    for (const key of ACTIVE_CONTENT_KEYS) if (dict.has(PDFName.of(key))) found.add(key)
  }
  return [...found]
}

/**
 * Worker-thread side of template processing: every function here runs in a
 * worker (`WorkerPool` / `runIsolated`), never on the web event loop.
 * Inputs and outputs are plain data so they cross the thread boundary.
 */
import {
  type DataRow,
  PreparedTemplate,
  type TemplateSnapshot,
} from '#templates/services/prepared_template'
import { type ImageFormat, type RasterImage, rasterizePage } from '#templates/services/rasterize'
import {
  type NormaliseResult,
  type SourceKind,
  normaliseImage,
  normalisePdf,
} from '#templates/services/template_source'
import { type NormalisedBranding, normaliseBrandingImage } from '#templates/services/branding_image'

// pdf-lib and pdf.js report recoverable damage in files on the console; in
// a worker that is noise in the server log, and the outcome is returned anyway.
console.warn = () => {}
console.log = () => {}

/**
 * Bytes arrive as views into a larger buffer after crossing a process or
 * thread boundary; pdf-lib's JPEG reader ignores a view's offset, so every
 * input gets a buffer of its own first.
 */
const own = (bytes: Uint8Array) => new Uint8Array(bytes)

export interface NormaliseUploadInput {
  bytes: Uint8Array
  kind: SourceKind
  page: number
  previewWidth: number
}

export type NormaliseUploadOutput =
  | Exclude<NormaliseResult, { kind: 'ok' }>
  | {
      kind: 'ok'
      source: Extract<NormaliseResult, { kind: 'ok' }>['source']
      background: RasterImage
    }

export interface RenderPreviewInput {
  snapshot: TemplateSnapshot
  row: DataRow
  image: { width: number; format: ImageFormat } | null
}

export interface RenderPreviewOutput {
  pdf: Uint8Array
  image: RasterImage | null
  measures: ReturnType<PreparedTemplate['measure']>
}

export const tasks = {
  /** Upload → normalised one-page PDF + a picture of it. Run isolated: the bytes may be hostile. */
  async normaliseUpload(input: NormaliseUploadInput): Promise<NormaliseUploadOutput> {
    const bytes = own(input.bytes)
    const result =
      input.kind === 'pdf'
        ? await normalisePdf(bytes, input.page)
        : await normaliseImage(bytes, input.kind)
    if (result.kind !== 'ok') return result
    const background = await rasterizePage(result.source.pdf, {
      width: input.previewWidth,
      format: 'png',
    })
    return { kind: 'ok', source: result.source, background }
  },

  /** One row drawn with the generation renderer: the PDF, and optionally a picture of it. */
  async renderPreview(input: RenderPreviewInput): Promise<RenderPreviewOutput> {
    const prepared = await PreparedTemplate.prepare(input.snapshot, [input.row])
    const pdf = prepared.render(input.row)
    const image = input.image
      ? await rasterizePage(pdf, { width: input.image.width, format: input.image.format })
      : null
    return { pdf, image, measures: prepared.measure(input.row) }
  },

  async rasterize(input: {
    pdf: Uint8Array
    width: number
    format: ImageFormat
  }): Promise<RasterImage> {
    return rasterizePage(own(input.pdf), { width: input.width, format: input.format })
  },

  /** A branding upload decoded, checked and re-encoded (metadata dropped). Run isolated. */
  async normaliseBranding(input: {
    bytes: Uint8Array
    maxSide: number
  }): Promise<NormalisedBranding> {
    return normaliseBrandingImage(own(input.bytes), input.maxSide)
  },
}

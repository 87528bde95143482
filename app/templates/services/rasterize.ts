import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createCanvas } from '@napi-rs/canvas'

/**
 * PDF page → image with pdf.js (the renderer Firefox uses) drawing on
 * @napi-rs/canvas (Skia). Both install from npm with no system packages.
 * Used for template previews; runs in worker threads only.
 */

export type ImageFormat = 'png' | 'webp'

export interface RasterImage {
  bytes: Uint8Array
  width: number
  height: number
  mime: 'image/png' | 'image/webp'
}

const require = createRequire(import.meta.url)
const pdfjsRoot = dirname(require.resolve('pdfjs-dist/package.json'))

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs')
let pdfjs: Promise<PdfJs> | null = null

function loadPdfJs() {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs')
  return pdfjs
}

/** Options that keep pdf.js self-contained: bundled font data, no eval, no system fonts, no network. */
export function pdfJsOptions(data: Uint8Array) {
  return {
    data,
    standardFontDataUrl: join(pdfjsRoot, 'standard_fonts/'),
    cMapUrl: join(pdfjsRoot, 'cmaps/'),
    cMapPacked: true,
    wasmUrl: join(pdfjsRoot, 'wasm/'),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    enableXfa: false,
    stopAtErrors: false,
    verbosity: 0,
  }
}

export async function openPdf(bytes: Uint8Array) {
  const lib = await loadPdfJs()
  // pdf.js takes ownership of (detaches) the buffer it is given.
  return lib.getDocument(pdfJsOptions(new Uint8Array(bytes))).promise
}

/**
 * Renders page `pageNumber` (1-based) at `width` pixels wide on white.
 * WebP is lossless below quality 1 so field edges and small text stay crisp.
 */
export async function rasterizePage(
  bytes: Uint8Array,
  options: { width: number; format: ImageFormat; pageNumber?: number; quality?: number }
): Promise<RasterImage> {
  const doc = await openPdf(bytes)
  try {
    const page = await doc.getPage(options.pageNumber ?? 1)
    const unit = page.getViewport({ scale: 1 })
    const viewport = page.getViewport({ scale: options.width / unit.width })
    const canvas = createCanvas(
      Math.max(1, Math.round(viewport.width)),
      Math.max(1, Math.round(viewport.height))
    )
    const context = canvas.getContext('2d')
    context.fillStyle = '#ffffff'
    context.fillRect(0, 0, canvas.width, canvas.height)
    await page.render({ canvasContext: context as any, canvas: canvas as any, viewport }).promise
    page.cleanup()
    const bytesOut =
      options.format === 'webp'
        ? canvas.toBuffer('image/webp', Math.round((options.quality ?? 0.9) * 100))
        : canvas.toBuffer('image/png')
    return {
      bytes: new Uint8Array(bytesOut),
      width: canvas.width,
      height: canvas.height,
      mime: options.format === 'webp' ? 'image/webp' : 'image/png',
    }
  } finally {
    await doc.destroy()
  }
}

/** Text of page 1 as pdf.js extracts it (through the fonts' ToUnicode maps), items joined in order. */
export async function extractText(bytes: Uint8Array, pageNumber = 1) {
  const doc = await openPdf(bytes)
  try {
    const page = await doc.getPage(pageNumber)
    const content = await page.getTextContent()
    return content.items.map((item) => ('str' in item ? item.str : '')).join('')
  } finally {
    await doc.destroy()
  }
}

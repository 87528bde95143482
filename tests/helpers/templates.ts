import { readFileSync } from 'node:fs'
import { PDFDocument, rgb } from 'pdf-lib'
import * as hb from 'harfbuzzjs'
import type { FieldSpec } from '#templates/services/field_spec'
import type { TemplateSnapshot } from '#templates/services/prepared_template'
import { normalisePdf } from '#templates/services/template_source'
import { fontFamily, fontFilePath } from '#templates/services/fonts'

export const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url)

export function fixture(path: string) {
  return new Uint8Array(readFileSync(new URL(path, FIXTURES)))
}

/** A field with every style option at its usual value. */
export function field(overrides: Partial<FieldSpec> & Pick<FieldSpec, 'key' | 'type'>): FieldSpec {
  return {
    label: overrides.key,
    x: 60,
    y: 100,
    width: 480,
    height: 60,
    required: false,
    fontFamily: 'noto-sans',
    fontSize: 28,
    minFontSize: 8,
    color: '#111111',
    align: 'left',
    bold: false,
    autoFit: false,
    dateFormat: 'd MMMM yyyy',
    assetId: null,
    qrColor: '#000000',
    ...overrides,
  }
}

/** A blank landscape page with a frame, normalised exactly as an upload is. */
export async function blankSource(width = 842, height = 595) {
  const doc = await PDFDocument.create()
  const page = doc.addPage([width, height])
  page.drawRectangle({
    x: 20,
    y: 20,
    width: width - 40,
    height: height - 40,
    borderColor: rgb(0.7, 0.6, 0.3),
    borderWidth: 3,
  })
  const result = await normalisePdf(await doc.save(), 1)
  if (result.kind !== 'ok') throw new Error(`blank source did not normalise: ${result.kind}`)
  return result.source
}

export async function snapshotWith(
  fields: FieldSpec[],
  images: TemplateSnapshot['images'] = {}
): Promise<TemplateSnapshot> {
  const source = await blankSource()
  return {
    sourcePdf: source.pdf,
    pageWidth: source.pageWidth,
    pageHeight: source.pageHeight,
    fields,
    images,
  }
}

/** HarfBuzz's shaping of a string in a bundled font file, straight from the library (the reference). */
export function harfbuzzShape(familyKey: string, text: string, bold = false) {
  const family = fontFamily(familyKey)!
  const bytes = new Uint8Array(
    readFileSync(fontFilePath(bold && family.bold ? family.bold : family.regular))
  )
  const font = new hb.Font(new hb.Face(new hb.Blob(bytes)))
  const buffer = new hb.Buffer()
  buffer.addText(text)
  buffer.guessSegmentProperties()
  hb.shape(font, buffer)
  const infos = buffer.getGlyphInfos()
  const positions = buffer.getGlyphPositions()
  let pen = 0
  const glyphs = infos.map((info, i) => {
    const glyph = {
      gid: info.codepoint,
      x: pen + positions[i].xOffset,
      y: positions[i].yOffset,
      advance: positions[i].xAdvance,
    }
    pen += positions[i].xAdvance
    return glyph
  })
  return { glyphs, upem: font.face.upem, font, advance: pen }
}

/** The outline of a glyph as SVG path data, from any font program (embedded subset or original). */
export function outlineOf(fontBytes: Uint8Array, gid: number) {
  const font = new hb.Font(new hb.Face(new hb.Blob(fontBytes)))
  return font.glyphToPath(gid)
}

export function outlineIn(font: hb.Font, gid: number) {
  return font.glyphToPath(gid)
}

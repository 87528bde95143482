/**
 * Worker-thread side of issuance: every function here runs in a generation
 * thread (`render_threads.ts`), never on a web or queue event loop.
 * Inputs and outputs are plain data; PDF bytes come back packed in one
 * buffer per template so they are moved, not copied.
 */
import { createHash } from 'node:crypto'
import { ownValue } from '#core/services/own_keys'
import {
  type DataRow,
  type DocumentInfo,
  type FieldMeasure,
  PreparedTemplate,
  type TemplateSnapshot,
  measureRow,
} from '#templates/services/prepared_template'
import type { FieldSpec } from '#templates/services/field_spec'
import { verificationTokensIn } from '#certificates/services/document_links'

console.warn = () => {}
console.log = () => {}

export interface RenderChunkInput {
  /** Per template, its rows and each row's document metadata (same order). */
  templates: Array<{ snapshot: TemplateSnapshot; rows: DataRow[]; documents: DocumentInfo[] }>
}

export interface RenderedTemplate {
  /** The chunk's base document for this template (font subsets for exactly these rows). */
  base: Uint8Array
  /** Every row's part, back to back; row i is `parts[offsets[i] .. offsets[i + 1])`. */
  parts: Uint8Array
  offsets: number[]
  /** SHA-256 of base + part, per row: the bytes a download serves. */
  sha256: string[]
  /** Milliseconds preparing the base (parsing, font subsets) and drawing the parts, for the debug log. */
  ms: { prepare: number; draw: number }
}

export interface RenderDocumentOutput {
  pdf: Uint8Array
  sha256: string
}

export const tasks = {
  /** A chunk: each template prepared once for the chunk's rows, then every row drawn as its part. */
  async renderChunk(input: RenderChunkInput): Promise<{ templates: RenderedTemplate[] }> {
    const out: RenderedTemplate[] = []
    for (const { snapshot, rows, documents } of input.templates) {
      const started = performance.now()
      const prepared = await PreparedTemplate.prepare(
        { ...snapshot, sourcePdf: new Uint8Array(snapshot.sourcePdf) },
        rows
      )
      const preparedAt = performance.now()
      const base = prepared.baseBytes
      const baseHash = createHash('sha256').update(base)
      const pieces: Uint8Array[] = []
      const offsets = [0]
      const sha256: string[] = []
      for (const [i, row] of rows.entries()) {
        const part = prepared.renderPart(row, documents[i])
        pieces.push(part)
        offsets.push(offsets[offsets.length - 1] + part.length)
        sha256.push(baseHash.copy().update(part).digest('hex'))
      }
      const parts = new Uint8Array(offsets[offsets.length - 1])
      pieces.forEach((piece, i) => parts.set(piece, offsets[i]))
      out.push({
        base: new Uint8Array(base),
        parts,
        offsets,
        sha256,
        ms: {
          prepare: Math.round(preparedAt - started),
          draw: Math.round(performance.now() - preparedAt),
        },
      })
    }
    return { templates: out }
  },

  /** One whole certificate (a reissue): prepared for its own row. */
  async renderDocument(input: {
    snapshot: TemplateSnapshot
    row: DataRow
    document: DocumentInfo
  }): Promise<RenderDocumentOutput> {
    const prepared = await PreparedTemplate.prepare(
      { ...input.snapshot, sourcePdf: new Uint8Array(input.snapshot.sourcePdf) },
      [input.row]
    )
    const pdf = prepared.render(input.row, input.document)
    return { pdf, sha256: createHash('sha256').update(pdf).digest('hex') }
  },

  /** Verify-by-upload of a file whose bytes match no certificate: the verification tokens it names. */
  async verificationTokens(input: { bytes: Uint8Array }): Promise<string[]> {
    return verificationTokensIn(input.bytes)
  },

  /** Preflight: which rows do not fit their fields even at the smallest size. */
  async measureRows(input: {
    fields: FieldSpec[]
    rows: Array<{ position: number; row: DataRow }>
  }) {
    const problems: Array<{ position: number; key: string; overflow: boolean; missing: string[] }> =
      []
    const seen = new Map<string, FieldMeasure[]>()
    for (const { position, row } of input.rows) {
      const signature = input.fields
        .map((field) => String(ownValue(row, field.key) ?? ''))
        .join('\u0000')
      let measures = seen.get(signature)
      if (!measures) {
        measures = measureRow(input.fields, row)
        seen.set(signature, measures)
      }
      for (const measure of measures) {
        if (measure.overflow || measure.missing.length)
          problems.push({
            position,
            key: measure.key,
            overflow: measure.overflow,
            missing: measure.missing,
          })
      }
    }
    return problems
  },
}

import drive from '@adonisjs/drive/services/main'
import logger from '@adonisjs/core/services/logger'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import uploads from '#config/uploads'
import StoreFile from '#core/actions/store_file'
import type StoredFile from '#core/models/stored_file'
import { MIME, assertAllowed } from '#core/services/file_type'
import { storageKey, versionSegment } from '#core/services/storage_keys'
import type { VersionMeta } from '#templates/models/certificate_template_version'
import { normaliseUpload } from '#templates/services/template_processing'
import type { SourceKind } from '#templates/services/template_source'
import type { NormaliseUploadOutput } from '#templates/services/template_tasks'

/**
 * The shared first half of "create a template" and "replace its page":
 * check the upload (size, then type by content), normalise it in an
 * isolated worker thread, and later store the three files of a new source.
 */

export interface TemplateUpload {
  bytes: Uint8Array
  /** The user's file name: kept for display, never used as a path. */
  originalName: string | null
}

export type SourceProblem =
  | { kind: 'too_large'; maxBytes: number }
  | { kind: 'unsupported_type'; detected: string | null; allowed: string[] }
  | { kind: 'encrypted' }
  | { kind: 'page_out_of_range'; page: number; pageCount: number }
  | { kind: 'empty' }
  /** `reason` completes "This PDF could not be read: …". */
  | { kind: 'unreadable'; file: 'PDF' | 'PNG' | 'JPEG'; reason: string }
  | { kind: 'too_complex'; why: 'timeout' | 'memory' }

export const TEMPLATE_UPLOAD_TYPES = [MIME.pdf, MIME.png, MIME.jpeg] as const

export type PreparedSource = Extract<NormaliseUploadOutput, { kind: 'ok' }> & {
  upload: TemplateUpload
  sourceKind: SourceKind
  mime: string
  extension: string
}

export async function prepareSource(
  upload: TemplateUpload,
  page: number
): Promise<{ kind: 'ok'; prepared: PreparedSource } | SourceProblem> {
  const allowed = assertAllowed(upload.bytes, TEMPLATE_UPLOAD_TYPES, { maxBytes: uploads.maxBytes })
  if (allowed.kind !== 'ok') return allowed
  const sourceKind: SourceKind =
    allowed.mime === MIME.pdf ? 'pdf' : allowed.mime === MIME.png ? 'png' : 'jpeg'
  const file = sourceKind === 'pdf' ? 'PDF' : sourceKind === 'png' ? 'PNG' : 'JPEG'
  /** The parser's own words go to the log, never to the user. */
  const unreadable = (reason: string, detail: string): SourceProblem => {
    logger.warn({ file, detail }, 'a template upload could not be parsed')
    return { kind: 'unreadable', file, reason }
  }
  const outcome = await normaliseUpload(upload.bytes, sourceKind, page)
  switch (outcome.kind) {
    case 'timeout':
      return { kind: 'too_complex', why: 'timeout' }
    case 'out_of_memory':
      return { kind: 'too_complex', why: 'memory' }
    case 'failed':
      return unreadable(
        sourceKind === 'pdf' ? 'it may be damaged or encrypted' : 'it may be damaged',
        outcome.message
      )
    case 'crashed':
      return unreadable(
        'its data is damaged',
        `the parser crashed (signal ${outcome.signal}, code ${outcome.code})`
      )
    case 'ok':
      break
  }
  const result = outcome.value
  switch (result.kind) {
    case 'ok':
      return {
        kind: 'ok',
        prepared: {
          ...result,
          upload,
          sourceKind,
          mime: allowed.mime,
          extension: allowed.extension,
        },
      }
    case 'page_out_of_range':
      return { kind: 'page_out_of_range', page, pageCount: result.pageCount }
    case 'unreadable':
      return result.detail
        ? unreadable(result.reason, result.detail)
        : { kind: 'unreadable', file, reason: result.reason }
    default:
      return result
  }
}

/** The sentence shown to a user (and the API's `message`) for a refused source. */
export function sourceProblemMessage(problem: SourceProblem): string {
  switch (problem.kind) {
    case 'too_large':
      return `The file is larger than ${Math.round(problem.maxBytes / 1024 / 1024)} MB, the most a template may be.`
    case 'unsupported_type':
      return `${problem.detected ? 'This kind of file' : 'The type of this file is not recognised and it'} cannot be a template: upload a PDF, PNG or JPEG.`
    case 'encrypted':
      return 'This PDF is password-protected. Save an unprotected copy (for example with “Print to PDF”) and upload that.'
    case 'page_out_of_range':
      return `This PDF has ${problem.pageCount} page${problem.pageCount === 1 ? '' : 's'}; page ${problem.page} does not exist.`
    case 'empty':
      return 'This PDF has no pages.'
    case 'unreadable':
      return `This ${problem.file} could not be read: ${problem.reason}. Open it, save or export it again as a PDF, PNG or JPEG, and upload that.`
    case 'too_complex':
      return problem.why === 'timeout'
        ? 'This file took too long to process. Simplify it (flatten layers, reduce image sizes) or export the page as a PNG and upload that.'
        : 'This file needs too much memory to process. Reduce its image sizes or export the page as a PNG and upload that.'
  }
}

/** API error codes for the same problems. */
export function sourceProblemCode(problem: SourceProblem) {
  switch (problem.kind) {
    case 'too_large':
      return { status: 413, code: 'E_FILE_TOO_LARGE' }
    case 'unsupported_type':
      return { status: 415, code: 'E_UNSUPPORTED_FILE_TYPE' }
    case 'encrypted':
      return { status: 422, code: 'E_PDF_ENCRYPTED' }
    case 'page_out_of_range':
      return { status: 422, code: 'E_PAGE_OUT_OF_RANGE' }
    case 'empty':
      return { status: 422, code: 'E_PDF_EMPTY' }
    case 'unreadable':
      return { status: 422, code: 'E_FILE_UNREADABLE' }
    case 'too_complex':
      return { status: 422, code: 'E_FILE_TOO_COMPLEX' }
  }
}

export function versionMeta(prepared: PreparedSource): VersionMeta {
  return {
    source_kind: prepared.sourceKind,
    page: prepared.source.page,
    page_count: prepared.source.pageCount,
    rotation: prepared.source.rotation,
    pages: prepared.source.pages.slice(0, 500),
    background_width: prepared.background.width,
    background_height: prepared.background.height,
  }
}

export interface StoredSource {
  original: StoredFile
  source: StoredFile
  background: StoredFile
}

/** Writes the upload, its normalised PDF and its background picture under the version's folder. */
export async function storeSourceFiles(
  input: {
    orgId: string
    templateId: string
    versionNumber: number
    createdBy: string | null
    prepared: PreparedSource
    written: string[]
  },
  trx: TransactionClientContract
): Promise<StoredSource> {
  const folder = versionSegment(input.versionNumber)
  const key = (...parts: string[]) =>
    storageKey({
      root: 'certificate_templates',
      orgId: input.orgId,
      parts: [input.templateId, folder, ...parts],
    })
  const store = async (
    kind: 'template_source' | 'template_preview',
    path: string,
    bytes: Uint8Array,
    mime: string,
    originalName: string | null = null
  ) => {
    const file = await StoreFile.handle(
      {
        orgId: input.orgId,
        kind,
        key: path,
        bytes,
        mime,
        originalName,
        createdBy: input.createdBy,
      },
      trx
    )
    input.written.push(file.path)
    return file
  }
  const { prepared } = input
  return {
    original: await store(
      'template_source',
      key(`original.${prepared.extension}`),
      prepared.upload.bytes,
      prepared.mime,
      prepared.upload.originalName
    ),
    source: await store('template_source', key('source.pdf'), prepared.source.pdf, MIME.pdf),
    background: await store(
      'template_preview',
      key('previews', 'background.png'),
      prepared.background.bytes,
      MIME.png
    ),
  }
}

/** Objects written for a transaction that then rolled back: nothing points at them, so they go. */
export async function removeObjects(paths: string[]) {
  const disk = drive.use()
  await Promise.all(paths.map((path) => disk.delete(path).catch(() => {})))
}

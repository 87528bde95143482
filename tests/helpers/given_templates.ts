import { createCanvas } from '@napi-rs/canvas'
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib'
import type Organization from '#orgs/models/organization'
import CreateTemplate from '#templates/actions/create_template'
import SaveTemplateFields from '#templates/actions/save_template_fields'
import AddBrandingAsset from '#templates/actions/add_branding_asset'
import OrgTemplates from '#templates/queries/org_templates'
import type { BrandingAssetType } from '#templates/models/branding_asset'
import type { FieldInput } from '#templates/validators/template_fields'

/** A one-page landscape A4 design with a frame and a title, as an org would upload. */
export async function designPdf(title = 'Certificate of Completion') {
  const doc = await PDFDocument.create()
  const page = doc.addPage([841.89, 595.28])
  const font = await doc.embedFont(StandardFonts.TimesRomanBold)
  page.drawRectangle({
    x: 24,
    y: 24,
    width: 793.89,
    height: 547.28,
    borderColor: rgb(0.7, 0.55, 0.2),
    borderWidth: 6,
  })
  page.drawText(title, { x: 220, y: 480, size: 34, font, color: rgb(0.2, 0.2, 0.35) })
  return doc.save()
}

/** A name field and a QR code, in the API's field shape. */
export const NAME_AND_QR: FieldInput[] = [
  {
    key: 'recipient_name',
    type: 'text',
    x: 120,
    y: 240,
    width: 600,
    height: 60,
    font_family: 'noto-serif',
    font_size: 36,
    align: 'center',
  },
  { key: 'verification_url', type: 'qrcode', x: 680, y: 420, width: 120, height: 120 },
]

/** A template of `org` created exactly as an upload does, optionally with fields (version 2) and a status. */
export async function givenTemplate(
  org: Organization,
  options: {
    name?: string
    pdf?: Uint8Array
    fields?: FieldInput[]
    status?: 'active' | 'archived'
  } = {}
) {
  const result = await CreateTemplate.handle({
    org,
    name: options.name ?? 'Course completion',
    upload: { bytes: options.pdf ?? (await designPdf()), originalName: 'design.pdf' },
    page: 1,
    taxonomy: {},
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`template not created: ${result.kind}`)
  if (options.fields) {
    const saved = await SaveTemplateFields.handle({
      org,
      templateId: result.template.id,
      fields: options.fields,
      actorUserId: null,
    })
    if (saved.kind !== 'saved') throw new Error(`fields not saved: ${JSON.stringify(saved)}`)
  }
  if (options.status) {
    const template = await OrgTemplates.find(org, result.template.id)
    template!.status = options.status
    await template!.save()
  }
  const template = (await OrgTemplates.findWithCurrent(org, result.template.id))!
  return { template, version: template.currentVersion }
}

/** A PNG with transparency, like a scanned signature. */
export function signaturePng(width = 600, height = 200) {
  const canvas = createCanvas(width, height)
  const context = canvas.getContext('2d')
  context.strokeStyle = '#1e3a8a'
  context.lineWidth = 8
  context.beginPath()
  context.moveTo(20, height * 0.7)
  context.bezierCurveTo(width * 0.3, 0, width * 0.5, height, width - 20, height * 0.3)
  context.stroke()
  return new Uint8Array(canvas.toBuffer('image/png'))
}

export async function givenBrandingAsset(
  org: Organization,
  options: { type?: BrandingAssetType; name?: string; bytes?: Uint8Array } = {}
) {
  const result = await AddBrandingAsset.handle({
    org,
    type: options.type ?? 'signature',
    name: options.name ?? 'Principal’s signature',
    bytes: options.bytes ?? signaturePng(),
    originalName: 'signature.png',
    actorUserId: null,
  })
  if (result.kind !== 'added') throw new Error(`asset not added: ${result.kind}`)
  return result.asset
}

import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import BrandingAsset from '#templates/models/branding_asset'
import StoredFile from '#core/models/stored_file'
import { readFileOfOrg } from '#core/queries/org_files'
import { flashOf, fieldErrorOf, auditRows } from '#tests/helpers/orgs'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { givenBrandingAsset, givenTemplate, signaturePng } from '#tests/helpers/given_templates'
import { bytesOf } from '#tests/helpers/binary'

function add(
  client: any,
  bytes: Uint8Array,
  fields: Record<string, string> = {},
  filename = 'logo.png'
) {
  let request = client.post('/settings/branding').file('file', Buffer.from(bytes), { filename })
  for (const [name, value] of Object.entries({
    name: 'Academy logo',
    asset_type: 'logo',
    ...fields,
  }))
    request = request.field(name, value)
  return request.withCsrfToken().redirects(0)
}

/** A JPEG with an EXIF block (camera, GPS) in front of the image data. */
function jpegWithExif() {
  const canvas = createCanvas(800, 400)
  const context = canvas.getContext('2d')
  context.fillStyle = '#0f766e'
  context.fillRect(0, 0, 800, 400)
  const jpeg = Buffer.from(canvas.toBuffer('image/jpeg', 90))
  const exif = Buffer.concat([
    Buffer.from('Exif\0\0'),
    Buffer.from('GPS 12.9716 N 77.5946 E secret-camera-serial'),
  ])
  const app1 = Buffer.concat([
    Buffer.from([0xff, 0xe1]),
    Buffer.from([(exif.length + 2) >> 8, (exif.length + 2) & 0xff]),
    exif,
  ])
  return new Uint8Array(Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]))
}

test.group('Branding images', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an image is re-encoded without metadata and stored under org_branding/<org>/<type>s/', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      add(client, jpegWithExif(), { name: 'Seal', asset_type: 'stamp' }, 'seal.jpg'),
      owner,
      org
    )
    response.assertStatus(302)
    assert.match(flashOf(response, 'success'), /“Seal” added/)
    const asset = await BrandingAsset.query().where('organization_id', org.id).firstOrFail()
    assert.deepEqual(
      [asset.assetType, asset.name, asset.widthPx, asset.heightPx],
      ['stamp', 'Seal', 800, 400]
    )
    const { file, bytes } = await readFileOfOrg(org.id, asset.fileId)
    assert.equal(file.path, `org_branding/${org.id}/stamps/${asset.id}.jpg`)
    assert.equal(file.kind, 'branding_asset')
    assert.equal(file.originalName, 'seal.jpg')
    assert.notInclude(Buffer.from(bytes).toString('latin1'), 'secret-camera-serial')
    assert.lengthOf(await auditRows(org, 'branding.added'), 1)
  })

  test('a transparent PNG stays a PNG with its transparency; huge images are scaled to 2,000 px', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const asset = await givenBrandingAsset(org, { bytes: signaturePng(4000, 1000) })
    assert.deepEqual([asset.widthPx, asset.heightPx], [2000, 500])
    const { file, bytes } = await readFileOfOrg(org.id, asset.fileId)
    assert.equal(file.mimeType, 'image/png')
    const image = await loadImage(Buffer.from(bytes))
    const canvas = createCanvas(image.width, image.height)
    canvas.getContext('2d').drawImage(image, 0, 0)
    assert.equal(
      canvas.getContext('2d').getImageData(0, 0, 1, 1).data[3],
      0,
      'the corner is still transparent'
    )
  })

  test('a PDF, a file pretending to be a PNG and an image of 200 megapixels are refused by name', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const pdf = await actingAs(
      add(client, new Uint8Array(Buffer.from('%PDF-1.4 not an image')), {}, 'logo.png'),
      owner,
      org
    )
    assert.match(fieldErrorOf(pdf, 'file'), /Upload a PNG, JPEG or WebP/)
    // A valid PNG header claiming 20000 × 10000 pixels: refused before decoding.
    const header = Buffer.from(signaturePng(10, 10))
    header.writeUInt32BE(20000, 16)
    header.writeUInt32BE(10000, 20)
    const bomb = await actingAs(add(client, new Uint8Array(header)), owner, org)
    assert.match(fieldErrorOf(bomb, 'file'), /20000 × 10000 pixels; at most 25 megapixels/)
    const broken = Buffer.from(signaturePng(10, 10)).subarray(0, 60)
    const unreadable = await actingAs(add(client, new Uint8Array(broken)), owner, org)
    assert.match(fieldErrorOf(unreadable, 'file'), /could not be read/)
    assert.lengthOf(await BrandingAsset.query().where('organization_id', org.id), 0)
    assert.lengthOf(await StoredFile.query().where('organization_id', org.id), 0)
  })

  test('the list shows the org’s images; removing one hides it but keeps its file for templates that draw it', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const asset = await givenBrandingAsset(org, { name: 'Director signature' })
    const { template } = await givenTemplate(org, {
      fields: [
        {
          key: 'signature',
          type: 'image',
          x: 600,
          y: 450,
          width: 150,
          height: 50,
          asset_id: asset.id,
        },
      ],
    })
    const page = await actingAs(client.get('/settings/branding'), owner, org)
    assert.include(page.text(), 'Director signature')
    const removed = await actingAs(
      client.delete(`/settings/branding/${asset.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(removed, 'success'), /keep it/)
    const branding = await actingAs(client.get('/settings/branding'), owner, org)
    assert.notInclude(branding.text(), 'Director signature')
    const image = await actingAs(client.get(`/settings/branding/${asset.id}/image`), owner, org)
    image.assertStatus(200)
    assert.equal(image.header('content-type'), 'image/png')
    assert.isAbove(bytesOf(image).length, 100)
    const designer = await actingAs(client.get(`/templates/${template.id}/edit`), owner, org)
    assert.include(
      designer.text(),
      'Director signature',
      'the designer still lists the image its field draws'
    )
    const again = await actingAs(
      client.delete(`/settings/branding/${asset.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    again.assertStatus(404)
  })

  test('another org’s image is a 404 and members without org.manage cannot change images', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { org: mine, owner } = await givenOrg()
    const theirs = await givenBrandingAsset(org)
    const theirImage = await actingAs(
      client.get(`/settings/branding/${theirs.id}/image`),
      owner,
      mine
    )
    theirImage.assertStatus(404)
    const theirRemoval = await actingAs(
      client.delete(`/settings/branding/${theirs.id}`).withCsrfToken(),
      owner,
      mine
    )
    theirRemoval.assertStatus(404)
    const designer = await givenCustomRole(mine, ['templates.manage'])
    const { user } = await givenMember(mine, designer)
    const upload = await actingAs(add(client, signaturePng()), user, mine)
    upload.assertStatus(403)
    const own = await givenBrandingAsset(mine)
    const ownImage = await actingAs(client.get(`/settings/branding/${own.id}/image`), user, mine)
    ownImage.assertStatus(200)
    assert.isTrue(true)
  })
})

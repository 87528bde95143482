import { test } from '@japa/runner'
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { sha256Hex } from '#core/actions/store_file'
import { startS3StandIn, type S3StandIn } from '#tests/helpers/s3_server'
import { startAppProcess, type AppProcess } from '#tests/helpers/app_process'
import { NAME_AND_QR, designPdf } from '#tests/helpers/given_templates'

/**
 * DRIVE_DISK=s3 end to end: a separate Authentix process stores every
 * template file in an S3-compatible bucket (a stand-in that checks SigV4
 * signatures as S3 does) and answers downloads with a redirect to a signed
 * URL that expires within five minutes.
 */
test.group('Storage on an S3-compatible bucket', (group) => {
  let s3: S3StandIn
  let authentix: AppProcess
  let key: string

  group.setup(async () => {
    s3 = await startS3StandIn()
    authentix = await startAppProcess({
      DRIVE_DISK: 's3',
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ENDPOINT: s3.url,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    })
    authentix.ace(
      'org:create',
      'Bucket Academy',
      '--slug=bucket-academy',
      '--owner-email=owner@bucket.test',
      '--owner-password=correct-horse-battery-staple'
    )
    key = authentix.ace('org:api-key', 'bucket-academy').trim().split('\n').at(-1)!.trim()
    return async () => {
      await authentix.stop()
      await s3.close()
    }
  })

  test('the stand-in refuses a request signed with the wrong secret, like S3', async ({
    assert,
  }) => {
    const client = new S3Client({
      region: s3.region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret' },
    })
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: s3.bucket, Key: 'anything' }),
      { expiresIn: 60 }
    )
    const response = await fetch(url)
    assert.equal(response.status, 403)
    assert.include(await response.text(), '<Code>SignatureDoesNotMatch</Code>')
  })

  test('an uploaded template lands in the bucket under the design’s paths; downloads redirect to a 5-minute signed URL', async ({
    assert,
  }) => {
    const form = new FormData()
    form.set('name', 'Bucket design')
    form.set('file', new Blob([await designPdf()], { type: 'application/pdf' }), 'design.pdf')
    const created = await fetch(`${authentix.url}/api/v1/templates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: form,
    })
    assert.equal(created.status, 201)
    const template = (await created.json()) as { id: string }

    const keys = [...s3.objects.keys()].sort()
    const prefix = new RegExp(`^certificate_templates/[0-9a-f-]{36}/${template.id}/v0001/`)
    assert.deepEqual(
      keys.map((k) => k.replace(prefix, '')),
      ['original.pdf', 'previews/background.png', 'source.pdf']
    )
    assert.isTrue(
      s3.log
        .filter((entry) => entry.method === 'PUT')
        .every((entry) => entry.auth === 'header' && entry.status === 200),
      'every write was signed'
    )

    // Fields: the renderer reads the page back from the bucket and stores the preview there.
    const saved = await fetch(`${authentix.url}/api/v1/templates/${template.id}/fields`, {
      method: 'PUT',
      headers: { 'authorization': `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fields: NAME_AND_QR }),
    })
    assert.equal(saved.status, 200)
    assert.isTrue(
      [...s3.objects.keys()].some((k) => k.endsWith(`${template.id}/v0002/previews/preview.webp`))
    )

    const download = await fetch(`${authentix.url}/api/v1/templates/${template.id}/files/source`, {
      headers: { authorization: `Bearer ${key}` },
      redirect: 'manual',
    })
    assert.equal(download.status, 302)
    const location = new URL(download.headers.get('location')!)
    assert.equal(location.origin, s3.url)
    assert.isAtMost(Number(location.searchParams.get('X-Amz-Expires')), 300)
    const object = await fetch(location)
    assert.equal(object.status, 200)
    assert.equal(object.headers.get('content-type'), 'application/pdf')
    assert.match(
      object.headers.get('content-disposition') ?? '',
      /^attachment; filename="bucket-design-v2-template.pdf"/
    )
    const bytes = Buffer.from(await object.arrayBuffer())
    const stored = [...s3.objects.entries()].find(([k]) =>
      k.endsWith(`${template.id}/v0001/source.pdf`)
    )![1]
    assert.equal(sha256Hex(bytes), sha256Hex(stored.body))

    // A tampered link is refused by the bucket.
    location.searchParams.set('X-Amz-Expires', '86400')
    const tampered = await fetch(location)
    assert.equal(tampered.status, 403)
  }).timeout(90_000)
})

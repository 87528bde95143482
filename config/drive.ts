import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, services } from '@adonisjs/drive'

/**
 * One private disk: local files (`fs`, the default) or an S3-compatible
 * bucket (`s3`: AWS S3, Cloudflare R2, MinIO, Wasabi…). Keys follow the
 * design's path convention `<root>/<org_uuid>/...`; files are never served
 * by path, only through routes that look them up by (org, id), which stream
 * them (fs) or redirect to a signed URL that expires within five minutes (s3).
 */
export function storageLocation() {
  const configured = env.get('STORAGE_PATH')
  if (!configured) return app.makePath(app.inTest ? 'tmp/test-storage' : 'storage')
  return configured.startsWith('/') ? configured : app.makePath(configured)
}

export const storageDisk = env.get('DRIVE_DISK', 'fs')

function required(name: 'S3_BUCKET' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY') {
  const value = env.get(name)
  if (!value) throw new Error(`DRIVE_DISK=s3 needs ${name}`)
  return value
}

const s3 = () =>
  services.s3({
    bucket: required('S3_BUCKET'),
    region: env.get('S3_REGION', 'ap-south-1'),
    endpoint: env.get('S3_ENDPOINT') || undefined,
    forcePathStyle: env.get('S3_FORCE_PATH_STYLE', Boolean(env.get('S3_ENDPOINT'))),
    credentials: {
      accessKeyId: required('S3_ACCESS_KEY_ID'),
      secretAccessKey: required('S3_SECRET_ACCESS_KEY'),
    },
    visibility: 'private',
    // Many S3-compatible stores have no ACLs; objects are private by bucket policy.
    supportsACL: false,
    // Checksums only where S3 requires them: some compatible stores reject the newer trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })

const driveConfig = defineConfig({
  default: storageDisk,
  services: {
    fs: services.fs({
      location: storageLocation(),
      serveFiles: false,
      visibility: 'private',
    }),
    ...(storageDisk === 's3' ? { s3: s3() } : {}),
  },
})

export default driveConfig

declare module '@adonisjs/drive/types' {
  export interface DriveDisks extends InferDriveDisks<typeof driveConfig> {}
}

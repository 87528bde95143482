import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, services } from '@adonisjs/drive'

/**
 * One private disk. Keys follow the design's path convention
 * `<root>/<org_uuid>/...`; files are never served by path, only through
 * routes that look them up by (org, id).
 */
export function storageLocation() {
  const configured = env.get('STORAGE_PATH')
  if (!configured) return app.makePath(app.inTest ? 'tmp/test-storage' : 'storage')
  return configured.startsWith('/') ? configured : app.makePath(configured)
}

const driveConfig = defineConfig({
  default: env.get('DRIVE_DISK', 'fs'),
  services: {
    fs: services.fs({
      location: storageLocation(),
      serveFiles: false,
      visibility: 'private',
    }),
  },
})

export default driveConfig

declare module '@adonisjs/drive/types' {
  export interface DriveDisks extends InferDriveDisks<typeof driveConfig> {}
}

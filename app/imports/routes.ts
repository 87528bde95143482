import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const ImportsController = () => import('#imports/controllers/imports_controller')
const ImportResultsController = () => import('#imports/controllers/import_results_controller')
const ImportMappingsController = () => import('#imports/controllers/import_mappings_controller')
const ImportRowsController = () => import('#imports/controllers/import_rows_controller')
const ImportRowCleanupsController = () =>
  import('#imports/controllers/import_row_cleanups_controller')
const ImportFilesController = () => import('#imports/controllers/import_files_controller')

router
  .group(() => {
    router.get('/imports', [ImportsController, 'index']).as('imports.index')
    router.get('/imports/new', [ImportsController, 'create']).as('imports.create')
    router.post('/imports', [ImportsController, 'store']).as('imports.store')
    router.get('/imports/:id', [ImportsController, 'show']).as('imports.show')
    router.get('/imports/:id/results', [ImportResultsController, 'show']).as('import_results.show')
    router
      .put('/imports/:id/mapping', [ImportMappingsController, 'update'])
      .as('import_mappings.update')
    router.post('/imports/:id/rows', [ImportRowsController, 'store']).as('import_rows.store')
    router
      .put('/imports/:id/rows/:row_id', [ImportRowsController, 'update'])
      .as('import_rows.update')
    router
      .delete('/imports/:id/rows/:row_id', [ImportRowsController, 'destroy'])
      .as('import_rows.destroy')
    router
      .post('/imports/:id/row-cleanups', [ImportRowCleanupsController, 'store'])
      .as('import_row_cleanups.store')
    router.get('/imports/:id/files/:file', [ImportFilesController, 'show']).as('import_files.show')
  })
  .as('imports')
  .use([middleware.auth(), middleware.org()])

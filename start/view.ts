/*
| Edge globals every view may use: numbers, money and dates written one way
| (core/services/formatting.ts), and the URLs of our CSS, scripts and images.
*/
import app from '@adonisjs/core/services/app'
import edge from 'edge.js'
import { formatDate, formatDateTime, formatMoney, formatNumber } from '#core/services/formatting'
import { assetUrl } from '#core/services/assets'

edge.global('formatNumber', formatNumber)
edge.global('formatMoney', formatMoney)
edge.global('formatDate', formatDate)
edge.global('formatDateTime', formatDateTime)
// `asset('/assets/css/app.css')`: the file's fingerprinted URL, cached by browsers for a year.
edge.global('asset', assetUrl)

/*
| Templates are compiled once and kept, in production and in tests (nothing
| edits a template while the suite runs; compiling every page on every
| render was most of a page test's time). In development a changed template
| shows on the next request.
|
| Edge also re-reads the components folder from disk on every render unless
| the instance was *created* with caching on: `edge.configure({ cache: true })`
| does not reach that plugin (edge.js 6.5, pluginSuperCharged), so with
| caching on the list is read once.
*/
if (app.inProduction || app.inTest) {
  if (app.inTest) edge.configure({ cache: true })
  const listComponents = edge.loader.listComponents.bind(edge.loader)
  let components: ReturnType<typeof listComponents> | undefined
  edge.loader.listComponents = () => (components ??= listComponents())
}

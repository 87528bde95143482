/*
| Ace entry point. JIT-compiles TypeScript with ts-node-maintained (swc), so
| no build step is needed in development, tests or `npm start`.
*/
import 'ts-node-maintained/register/esm'
await import('./bin/console.js')

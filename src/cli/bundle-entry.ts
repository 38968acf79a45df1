// Entry of the single-file bundle (npm run bundle): the same main as bin/gvisor-wizard.js.
import { main } from './main.js';

process.exit(await main(process.argv.slice(2)));

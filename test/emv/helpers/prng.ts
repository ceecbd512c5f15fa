/** The shared seeded generator and mutator: test/helpers/prng.ts. */
export { mutate, prng } from '../../helpers/prng.js';

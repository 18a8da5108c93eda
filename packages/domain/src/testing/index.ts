/** Test data for every package's tests: builders starting from the example order. Never imported by production code. */
export { OrderMother, anOrder } from './order-mother.js';

/** Figure 8's queue, and the key name its broker accepts (SASL PLAIN and SAS tokens). */
export const BENCH_QUEUE = 'bench';
export const KEY_NAME = 'RootManageSharedAccessKey';

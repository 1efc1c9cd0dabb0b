/** The Functions host version this local host stands in for (sent to workers, shown by the admin API). */
export const HOST_VERSION = '4.1037.0';

import type { BindingAdapter } from '../shared/bindingAdapter.js';

/** The `http` output binding: the worker's RpcHttp becomes the response the HTTP pipeline writes. */
export const httpOutputAdapter: BindingAdapter = {
  type: 'http',
  async applyOutput(binding, value, ctx) {
    if (!value.http) {
      throw new Error(`The HTTP output binding '${binding.name}' received a value that is not an HTTP response.`);
    }
    ctx.httpResponse = value.http;
  },
};

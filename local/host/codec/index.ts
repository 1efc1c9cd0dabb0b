export { fromRpcTypedData, textOf } from './fromRpcTypedData.js';
export { toRpcMetadata, toRpcTypedData } from './toRpcTypedData.js';

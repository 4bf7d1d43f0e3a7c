/**
 * The registry of supported Keras layer classes: class name -> converter object (the
 * converters live in keras-layers-core/-conv/-merge.ts; their contract in
 * keras-layer-context.ts). InputLayer is handled by the graph builder (keras-config.ts).
 */
import type { LayerConverter } from './keras-layer-context.js';
import { convLike, globalAveragePooling2D, pooling, zeroPadding2D } from './keras-layers-conv.js';
import { activationLayer, batchNormalization, dense, flatten, identity, reluLayer, rescaling, reshapeLayer, softmaxLayer } from './keras-layers-core.js';
import { addLayer, concatenate } from './keras-layers-merge.js';

/** The supported Keras layer classes (InputLayer is handled by the graph builder). */
export const KERAS_LAYERS: Readonly<Record<string, LayerConverter>> = {
  Dense: dense,
  Conv2D: convLike(false),
  DepthwiseConv2D: convLike(true),
  MaxPooling2D: pooling('MaxPool'),
  MaxPool2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AvgPool'),
  AvgPool2D: pooling('AvgPool'),
  GlobalAveragePooling2D: globalAveragePooling2D,
  GlobalAvgPool2D: globalAveragePooling2D,
  Flatten: flatten,
  Reshape: reshapeLayer,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  BatchNormalization: batchNormalization,
  Activation: activationLayer,
  ReLU: reluLayer,
  Softmax: softmaxLayer,
  Add: addLayer,
  Concatenate: concatenate,
  ZeroPadding2D: zeroPadding2D,
  Rescaling: rescaling,
};

/**
 * Every shared model with the compile options the README documents for it (the cut
 * and a wide input range for the keyword-spotting model, the input shape for the
 * regression models whose input has no static shape, the pixel range 0:1 for the
 * MNIST models), for the compile tests and bench/compile.ts.
 */
import type { CompileOptions } from '../../compiler/compile.js';

export interface SharedModelCase {
  readonly name: string;
  /** Path parts under the shared models directory. */
  readonly path: readonly string[];
  readonly options: CompileOptions;
  /** The same options as `tfe compile` arguments. */
  readonly args: readonly string[];
}

export const SHARED_MODEL_CASES: readonly SharedModelCase[] = [
  // MFCC features are not small numbers: a wide declared range (the headroom allows up to about +-1024)
  { name: 'arm_kws_cnn_s', path: ['arm_kws_cnn_s', 'CNN_S.pb'], options: { inputs: [{ name: 'Mfcc:0', shape: [-1, 49, 10] }], inputRange: [-256, 256] }, args: ['--input', 'Mfcc:0=-1x49x10', '--input-range', '-256:256'] },
  { name: 'moonflower_mnist_convnet_h5', path: ['moonflower_mnist_convnet_h5', 'mnist_model.h5'], options: { inputRange: [0, 1] }, args: ['--input-range', '0:1'] },
  { name: 'moonflower_mnist_convnet_keras3', path: ['moonflower_mnist_convnet_keras3', 'mnist_model.keras'], options: { inputRange: [0, 1] }, args: ['--input-range', '0:1'] },
  { name: 'tf2onnx_fc_layers', path: ['tf2onnx_fc_layers', 'frozen.pb'], options: { inputRange: [0, 1] }, args: ['--input-range', '0:1'] },
  { name: 'tf2onnx_regression_graphdef', path: ['tf2onnx_regression_graphdef', 'frozen.pb'], options: { inputs: [{ name: 'X', shape: [-1] }] }, args: ['--input', 'X=-1'] },
  { name: 'tf2onnx_regression_savedmodel', path: ['tf2onnx_regression_savedmodel', 'saved_model'], options: { inputs: [{ name: 'X', shape: [-1] }] }, args: ['--input', 'X=-1'] },
  { name: 'tfe_2lfc', path: ['tfe_2lfc', '2lfc.pb'], options: {}, args: [] },
  { name: 'tfe_mnist_cnn_avgpool', path: ['tfe_mnist_cnn_avgpool', 'mnist_model.pb'], options: { inputRange: [0, 1] }, args: ['--input-range', '0:1'] },
  { name: 'tfe_short_dnn_h5', path: ['tfe_short_dnn_h5', 'short-dnn.h5'], options: { inputRange: [0, 1] }, args: ['--input-range', '0:1'] },
  { name: 'tfjs_e2e_dense_graph_model', path: ['tfjs_e2e_dense_graph_model', 'model.json'], options: {}, args: [] },
  { name: 'tfjs_e2e_matmul_graph_model', path: ['tfjs_e2e_matmul_graph_model', 'model.json'], options: {}, args: [] },
  { name: 'tfjs_examples_abalone_layers', path: ['tfjs_examples_abalone_layers', 'model.json'], options: {}, args: [] },
  { name: 'tfjs_node_times_three_float', path: ['tfjs_node_times_three_float', 'saved_model'], options: {}, args: [] },
  { name: 'tfserving_half_plus_two_cpu', path: ['tfserving_half_plus_two_cpu', 'saved_model'], options: {}, args: [] },
  { name: 'tfserving_half_plus_two_tf2_cpu', path: ['tfserving_half_plus_two_tf2_cpu', 'saved_model'], options: {}, args: [] },
];

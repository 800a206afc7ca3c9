import { createClassifier, DEFAULT_ARTIFACT_PATTERNS } from './classify';

describe('classify', () => {
  const classify = createClassifier();

  it.each([
    // path, kind, name, version, root
    [
      '/Projects/p/p_featurestore.db/fg_a_1',
      'FEATURE_GROUP',
      'fg_a',
      1,
      '/Projects/p/p_featurestore.db/fg_a_1',
    ],
    [
      '/Projects/p/p_featurestore.db/fg_b_2/part-0.parquet',
      'FEATURE_GROUP',
      'fg_b',
      2,
      '/Projects/p/p_featurestore.db/fg_b_2',
    ],
    [
      '/Projects/p/p_featurestore.db/fg_1/a/b/c',
      'FEATURE_GROUP',
      'fg',
      1,
      '/Projects/p/p_featurestore.db/fg_1',
    ],
    [
      '/Projects/p/p_Training_Datasets/td_1',
      'TRAINING_DATASET',
      'td',
      1,
      '/Projects/p/p_Training_Datasets/td_1',
    ],
    [
      '/Projects/p/p_Training_Datasets/fraud_td_12/f.tfrecord',
      'TRAINING_DATASET',
      'fraud_td',
      12,
      '/Projects/p/p_Training_Datasets/fraud_td_12',
    ],
    ['/Projects/p/Models/fraud/1', 'MODEL', 'fraud', 1, '/Projects/p/Models/fraud/1'],
    ['/Projects/p/Models/fraud/1/saved_model.pb', 'MODEL', 'fraud', 1, '/Projects/p/Models/fraud/1'],
    [
      '/Projects/p/Experiments/application_1700000000000_0042',
      'EXPERIMENT',
      'application_1700000000000_0042',
      null,
      '/Projects/p/Experiments/application_1700000000000_0042',
    ],
    [
      '/Projects/p/Experiments/application_1_2/logs/out.txt',
      'EXPERIMENT',
      'application_1_2',
      null,
      '/Projects/p/Experiments/application_1_2',
    ],
    ['/Projects/p/Resources', 'DATASET', 'Resources', null, '/Projects/p/Resources'],
    ['/Projects/p/Resources/raw/x.csv', 'DATASET', 'Resources', null, '/Projects/p/Resources'],
    // another project's feature store folder name is just a dataset of this project
    [
      '/Projects/p/q_featurestore.db/fg_1',
      'DATASET',
      'q_featurestore.db',
      null,
      '/Projects/p/q_featurestore.db',
    ],
  ])('%s is a %s', (path, kind, name, version, root) => {
    const c = classify(path);
    expect(c).toEqual({
      kind,
      project: 'p',
      name,
      version,
      rootPath: root,
      rootDepth: root.split('/').length - 1,
      isRoot: path === root,
    });
  });

  it.each([
    ['outside /Projects', '/tmp/x'],
    ['the root', '/'],
    ['/Projects itself', '/Projects'],
    ['a project folder', '/Projects/p'],
    ['the feature store folder', '/Projects/p/p_featurestore.db'],
    ['a file in the feature store folder', '/Projects/p/p_featurestore.db/README'],
    ['an unversioned feature group folder', '/Projects/p/p_featurestore.db/fg_a/x'],
    ['the training datasets folder', '/Projects/p/p_Training_Datasets'],
    ['an unversioned training dataset folder', '/Projects/p/p_Training_Datasets/td/f'],
    ['the models folder', '/Projects/p/Models'],
    ['a model container', '/Projects/p/Models/fraud'],
    ['a file in a model container', '/Projects/p/Models/fraud/README.md'],
    ['an unversioned model folder', '/Projects/p/Models/fraud/latest/model.pb'],
    ['the experiments folder', '/Projects/p/Experiments'],
    ['a relative path', 'Projects/p/Resources'],
    ['an empty path', ''],
  ])('%s is no artifact', (_what, path) => {
    expect(classify(path)).toBeNull();
  });

  it('lets the first matching pattern win, and accepts custom conventions', () => {
    const custom = createClassifier([
      { kind: 'MODEL', template: '/Projects/{project}/Registry/{name}-v{version}' },
      ...DEFAULT_ARTIFACT_PATTERNS,
    ]);
    expect(custom('/Projects/p/Registry/fraud-v3/m.bin')).toMatchObject({
      kind: 'MODEL',
      name: 'fraud',
      version: 3,
      rootPath: '/Projects/p/Registry/fraud-v3',
    });
    // the custom convention owns Registry: an unversioned folder there is nothing, not a dataset
    expect(custom('/Projects/p/Registry/fraud')).toBeNull();
    expect(classify('/Projects/p/Registry/fraud')).toMatchObject({ kind: 'DATASET', name: 'Registry' });
  });

  it('refuses a pattern without a name or version, or with an unknown placeholder', () => {
    expect(() => createClassifier([{ kind: 'DATASET', template: '/Projects/{project}' }])).toThrow(/name/);
    expect(() => createClassifier([{ kind: 'DATASET', template: '/Projects/{project}/{nme}' }])).toThrow(
      /placeholder/,
    );
  });
});

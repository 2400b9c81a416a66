# Tables -> HDF5 activation caches, one per (model, dataset), each written once. A dataset
# is encoded as `encode.shards` independent jobs and joined by a virtual dataset (no copy).


rule encode:
    input:
        prepared_table,
        identity="results/{model}/identity.json",
    output:
        "results/{model}/activations/{dataset}/shard{shard}of{nshards}.h5",
    params:
        model=model_entry,
        encode=config["encode"],
        granularity=granularity,
    threads: 2
    log:
        "logs/encode/{model}/{dataset}/shard{shard}of{nshards}.log",
    conda:
        "../envs/encode.yaml"
    script:
        "../scripts/encode.py"


rule join_shards:
    localrule: True
    input:
        shard_files,
    output:
        "results/{model}/activations/{dataset}.h5",
    log:
        "logs/join_shards/{model}/{dataset}.log",
    conda:
        "../envs/encode.yaml"
    script:
        "../scripts/join_shards.py"

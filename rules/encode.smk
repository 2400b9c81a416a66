# Tables -> HDF5 activation caches, one per (model, prepared table), each written once. A table
# is encoded as `encode.shards` independent jobs and joined by a virtual dataset (no copy).


rule encode:
    input:
        "results/data/{dataset}.csv",
        identity="results/{model}/identity.json",
    output:
        "results/{model}/activations/{dataset}/shard{shard}of{nshards}.h5",
    log:
        "logs/encode/{model}/{dataset}/shard{shard}of{nshards}.log",
    benchmark:
        "results/benchmarks/encode/{model}/{dataset}/shard{shard}of{nshards}.tsv"
    conda:
        "../envs/encode.yaml"
    # One thread: a job's start (imports, model load) is single-threaded and most of a small
    # table's job, so two jobs on two cores finish sooner than one using both (the demo: 6.0 ->
    # 4.4 min). Big tables on a big node: --set-threads encode=N.
    threads: 1
    params:
        model=get_model_entry,
        encode=config["encode"],
        granularity=get_granularity,
    script:
        "../scripts/encode.py"


rule join_shards:
    input:
        get_shard_files,
    output:
        "results/{model}/activations/{dataset}.h5",
    log:
        "logs/join_shards/{model}/{dataset}.log",
    localrule: True
    conda:
        "../envs/encode.yaml"
    script:
        "../scripts/join_shards.py"

# Raw files in data_dir -> tidy tables under results/data. A missing raw file is reported
# by name (Snakemake: missing input); checksums are verified and enter the provenance.


rule prepare_corpus:
    input:
        corpus_files,
    output:
        "results/data/corpus/{corpus}.csv",
    params:
        corpus=corpus_entry,
        data_dir=DATA_DIR,
    log:
        "logs/prepare_corpus/{corpus}.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_corpus.py"


rule prepare_wic:
    input:
        data_files(prepare.files_wic(config["wic"]["split"])),
    output:
        "results/data/wic.csv",
    params:
        split=config["wic"]["split"],
        data_dir=DATA_DIR,
    log:
        "logs/prepare_wic.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_wic.py"


rule prepare_sts:
    input:
        sts_files,
    output:
        "results/data/sts.csv",
    params:
        datasets=STS_DATASETS,
        data_dir=DATA_DIR,
    log:
        "logs/prepare_sts.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_sts.py"


rule prepare_supervised:
    input:
        supervised_files,
    output:
        "results/data/supervised/{task}.csv",
    params:
        task=supervised_params,
        data_dir=DATA_DIR,
    log:
        "logs/prepare_supervised/{task}.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_supervised.py"

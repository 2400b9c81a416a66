# Raw files in data_dir -> tidy tables under results/data. A missing raw file is reported
# by name (Snakemake: missing input); checksums are verified and enter the provenance.


rule prepare_corpus:
    localrule: True
    input:
        get_corpus_files,
    output:
        "results/data/corpus/{corpus}.csv",
    params:
        corpus=get_corpus_entry,
        files=get_corpus_relative,
    log:
        "logs/prepare_corpus/{corpus}.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_corpus.py"


rule prepare_wic:
    localrule: True
    input:
        data_files(WIC_FILES),
    output:
        "results/data/wic.csv",
    params:
        split=config["wic"]["split"],
        files=WIC_FILES,
    log:
        "logs/prepare_wic.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_wic.py"


rule prepare_sts:
    localrule: True
    input:
        data_files(STS_FILES),
    output:
        "results/data/sts.csv",
    params:
        datasets=STS_DATASETS,
        files=STS_FILES,
    log:
        "logs/prepare_sts.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_sts.py"


rule prepare_supervised:
    localrule: True
    input:
        get_supervised_files,
    output:
        "results/data/supervised/{task}.csv",
    params:
        task=get_supervised_params,
        files=get_supervised_relative,
    log:
        "logs/prepare_supervised/{task}.log",
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/prepare_supervised.py"


# With `download: true`, every download entry of the registry gets a rule whose outputs are
# its files in data_dir: Snakemake runs it only when one of them is missing. Files are
# checksum-verified (posart.download) and write-protected once there.
if config["download"]:
    for _dataset, _entry in REGISTRY.downloads.items():

        rule:
            name:
                f"download_{_dataset}"
            localrule: True
            output:
                [protected(path) for path in data_files(download.entry_targets(_entry))],
            params:
                dataset=_dataset,
                files=download.entry_targets(_entry),
                mirrors=config["download_mirrors"],
            log:
                f"logs/download/{_dataset}.log",
            conda:
                "../envs/data.yaml"
            script:
                "../scripts/download.py"

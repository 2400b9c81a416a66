# Raw files in data_dir -> tidy tables under results/data. A missing raw file is reported
# by name (Snakemake: missing input); checksums are verified and enter the provenance.


rule prepare_corpus:
    input:
        get_corpus_files,
    output:
        "results/data/corpus/{corpus}.csv",
    log:
        "logs/prepare_corpus/{corpus}.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        corpus=get_corpus_entry,
        files=get_corpus_relative,
    script:
        "../scripts/prepare_corpus.py"


rule prepare_wic:
    input:
        data_files(WIC_FILES),
    output:
        "results/data/wic.csv",
    log:
        "logs/prepare_wic/wic.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        split=config["wic"]["split"],
        files=WIC_FILES,
    script:
        "../scripts/prepare_wic.py"


rule prepare_sts:
    input:
        data_files(STS_FILES),
    output:
        "results/data/sts.csv",
    log:
        "logs/prepare_sts/sts.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        datasets=STS_DATASETS,
        files=STS_FILES,
    script:
        "../scripts/prepare_sts.py"


rule prepare_supervised:
    input:
        get_supervised_files,
    output:
        "results/data/supervised/{task}.csv",
    log:
        "logs/prepare_supervised/{task}.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        task=get_supervised_params,
        files=get_supervised_relative,
    script:
        "../scripts/prepare_supervised.py"


# With `download: true`, every download entry of the registry gets a rule whose outputs are
# its files in data_dir: Snakemake runs it only when one of them is missing. Files are
# checksum-verified (posart.download) and write-protected once there.
if config["download"]:
    for _download, _entry in REGISTRY.downloads.items():

        rule:
            name:
                f"download_{_download}"
            output:
                [protected(path) for path in data_files(download.entry_targets(_entry))],
            log:
                f"logs/download_{_download}/{_download}.log",
            localrule: True
            conda:
                "../envs/data.yaml"
            params:
                download=_download,
                files=download.entry_targets(_entry),
                mirrors=config["download_mirrors"],
            script:
                "../scripts/download.py"

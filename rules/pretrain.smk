# WikiExtractor corpus -> prepared text, tokenizer and token streams (once per corpus and
# preset) -> one pretrained masked LM per run (the paper's §3 pair, with and without position
# embeddings) -> a model like any other: `{source: pretrained, run: NAME}` entries are encoded,
# analysed and evaluated by the other rules in the same DAG. Table 4 and the training curves
# come from the runs' summaries and the models' outlier statistics.


rule pretrain_corpus:
    input:
        get_pretrain_corpus_files,
    output:
        "results/pretrain/data/{pcorpus}/{preset}/corpus.json",
        expand(
            "results/pretrain/data/{{pcorpus}}/{{preset}}/{name}",
            name=[
                "train.txt",
                "valid.txt",
                "train.npz",
                "valid.npz",
                "tokenizer/tokenizer.json",
                "tokenizer/tokenizer_config.json",
            ],
        ),
    log:
        "logs/pretrain_corpus/{pcorpus}/{preset}.log",
    benchmark:
        "results/benchmarks/pretrain_corpus/{pcorpus}/{preset}.tsv"
    conda:
        "../envs/fairseq.yaml"
    params:
        corpus=get_pretrain_corpus_entry,
    script:
        "../scripts/pretrain_corpus.py"


rule pretrain:
    input:
        get_pretrain_prepared,
    output:
        "results/pretrain/{run}/curves.csv",
        model=expand(
            "results/pretrain/{{run}}/model/{name}",
            name=["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"],
        ),
        summary="results/pretrain/{run}/summary.json",
    log:
        "logs/pretrain/{run}.log",
    benchmark:
        "results/benchmarks/pretrain/{run}.tsv"
    conda:
        "../envs/fairseq.yaml"
    threads: 1
    params:
        run=get_pretrain_run,
    script:
        "../scripts/pretrain.py"


rule table4_pretraining:
    input:
        summaries=get_pretrained("results/pretrain/{run}/summary.json"),
        curves=get_pretrained("results/pretrain/{run}/curves.csv"),
        stats=expand("results/{model}/stats/{corpus}.npz", model=PRETRAINED_MODELS, corpus=OUTLIER_CORPORA[:1]),
    output:
        **{
            ext: report(
                f"results/paper/table4_pretraining.{ext}",
                caption="../report/table4.rst",
                category="Tables",
                labels={"table": "4 pretraining", "format": ext},
            )
            for ext in TABLE_FORMATS
        },
        figure=report(
            "results/paper/fig_pretraining_curves.png",
            caption="../report/fig_pretraining_curves.rst",
            category="Figures",
            labels={"figure": "pretraining curves"},
        ),
    log:
        "logs/table4_pretraining/table4_pretraining.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    params:
        models=PRETRAINED_MODELS,
        criterion=config["outliers"]["criterion"],
    script:
        "../scripts/table4_pretraining.py"

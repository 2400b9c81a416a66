# Model entry -> identity record: the weight hash that every encode of the model checks its
# weights against. The params are a cheap signature of the weights (file sizes and mtimes of
# a `path` model, the installed version of a `package` model, the pinned revision of an
# `hf` model): when it changes, the weights are hashed again and every encode re-runs.


rule model_identity:
    input:
        get_pretrained_summary,
    output:
        "results/{model}/identity.json",
    log:
        "logs/model_identity/{model}.log",
    benchmark:
        "results/benchmarks/model_identity/{model}.tsv"
    conda:
        "../envs/encode.yaml"
    params:
        model=get_model_entry,
        signature=get_model_signature,
    script:
        "../scripts/model_identity.py"

# Statistics (+ the outlier criterion, for clipping) -> one affine map per layer for each method
# fitted on a corpus (`fit: corpus`); `fit: eval` methods are fitted inside each task.


rule fit_postprocess:
    input:
        unpack(get_fit_inputs),
    output:
        "results/{model}/postprocess/{fitted}.npz",
    log:
        "logs/fit_postprocess/{model}/{fitted}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        method=get_fit_params,
        criterion=get_fit_criterion,
    script:
        "../scripts/fit_postprocess.py"

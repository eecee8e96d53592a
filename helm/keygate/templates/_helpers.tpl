{{/* Chart name, or nameOverride. */}}
{{- define "keygate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* "<release>-<chart>", or the release name when it already contains the chart name, or fullnameOverride. */}}
{{- define "keygate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "keygate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of one component. Call with (dict "root" $ "component" "gateway"). */}}
{{- define "keygate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "keygate.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component. Call with (dict "root" $ "component" "gateway"). */}}
{{- define "keygate.labels" -}}
helm.sh/chart: {{ include "keygate.chart" .root }}
{{ include "keygate.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: keygate
{{- end -}}

{{- define "keygate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "keygate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "keygate.gatewayImage" -}}
{{- printf "%s:%s" .Values.gateway.image.repository (default .Chart.AppVersion .Values.gateway.image.tag) -}}
{{- end -}}

{{/* The Secret the chart generates (and keeps): session secret, admin password, metrics token, database URL. */}}
{{- define "keygate.generatedSecretName" -}}
{{- include "keygate.fullname" . -}}
{{- end -}}

{{/* The Secret that holds session-secret, bootstrap-password and metrics-token. */}}
{{- define "keygate.appSecretName" -}}
{{- default (include "keygate.generatedSecretName" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* "true" when the gateway uses a real Postgres, "" for the embedded PGlite. */}}
{{- define "keygate.hasDatabase" -}}
{{- if or .Values.postgresql.enabled .Values.externalDatabase.url .Values.externalDatabase.existingSecret -}}
true
{{- end -}}
{{- end -}}

{{- define "keygate.databaseSecretName" -}}
{{- default (include "keygate.generatedSecretName" .) .Values.externalDatabase.existingSecret -}}
{{- end -}}

{{- define "keygate.databaseSecretKey" -}}
{{- if .Values.externalDatabase.existingSecret -}}
{{- .Values.externalDatabase.existingSecretKey -}}
{{- else -}}
database-url
{{- end -}}
{{- end -}}

{{- define "keygate.postgresqlName" -}}
{{- printf "%s-postgresql" (include "keygate.fullname" .) -}}
{{- end -}}

{{- define "keygate.postgresqlHost" -}}
{{- printf "%s.%s.svc.%s" (include "keygate.postgresqlName" .) .Release.Namespace .Values.clusterDomain -}}
{{- end -}}

{{/* Where the limit counters live: "external" (externalRedis), "bundled" (the chart's Redis) or "" (in process). */}}
{{- define "keygate.redisMode" -}}
{{- if or .Values.externalRedis.url .Values.externalRedis.existingSecret -}}
external
{{- else if eq (toString .Values.redis.enabled) "true" -}}
bundled
{{- else if and (eq (toString .Values.redis.enabled) "auto") (or (gt (int .Values.gateway.replicaCount) 1) .Values.autoscaling.enabled) -}}
bundled
{{- end -}}
{{- end -}}

{{- define "keygate.redisName" -}}
{{- printf "%s-redis" (include "keygate.fullname" .) -}}
{{- end -}}

{{- define "keygate.redisSecretName" -}}
{{- default (include "keygate.generatedSecretName" .) .Values.externalRedis.existingSecret -}}
{{- end -}}

{{- define "keygate.redisSecretKey" -}}
{{- if .Values.externalRedis.existingSecret -}}
{{- .Values.externalRedis.existingSecretKey -}}
{{- else -}}
redis-url
{{- end -}}
{{- end -}}

{{/* The models file lives in a Secret when it carries engine keys, in a ConfigMap otherwise. */}}
{{- define "keygate.modelsFileName" -}}
{{- printf "%s-models" (include "keygate.fullname" .) -}}
{{- end -}}

{{/* Environment values: Helm reads YAML numbers as float64, which toString would print as 3.3554432e+07. */}}
{{- define "keygate.envValue" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) -}}
{{- printf "%d" (int64 .) -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* Resource name of one engine. Call with (dict "root" $ "engine" $engine). */}}
{{- define "keygate.engineFullname" -}}
{{- printf "%s-engine-%s" (include "keygate.fullname" .root) .engine.name -}}
{{- end -}}

{{/* Port an engine listens on: vLLM's default 8000, llama-server's 8080. */}}
{{- define "keygate.enginePort" -}}
{{- if eq .backend "vllm" -}}8000{{- else -}}8080{{- end -}}
{{- end -}}

{{/* Base URL of one engine's headless Service; the gateway turns each address behind it into an instance. */}}
{{- define "keygate.engineUrl" -}}
{{- printf "http://%s.%s.svc.%s:%s" (include "keygate.engineFullname" .) .root.Release.Namespace .root.Values.clusterDomain (include "keygate.enginePort" .engine) -}}
{{- end -}}

{{/*
One engine with engineDefaults filled in, as YAML (use with fromYaml). Call with (dict "engine" $e "defaults" $d).
A key the engine sets wins, even when false, 0 or empty; maps are merged one level deep.
*/}}
{{- define "keygate.engineSettings" -}}
{{- $e := deepCopy .engine -}}
{{- range $key, $default := .defaults -}}
{{- if not (hasKey $e $key) -}}
{{- $_ := set $e $key (deepCopy $default) -}}
{{- else if and (kindIs "map" $default) (kindIs "map" (get $e $key)) -}}
{{- $own := get $e $key -}}
{{- range $subKey, $subDefault := $default -}}
{{- if not (hasKey $own $subKey) -}}
{{- $_ := set $own $subKey $subDefault -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $e -}}
{{- end -}}

{{/*
The KEYGATE_MODELS_FILE document (JSON). Call with (dict "root" $ "apiKeys" $keysByEngineName).
One model per engine, pointing at the engine's headless Service, then extraModels unchanged. The structure is kept
flat on purpose: helm/keygate/tests/models-file.test.ts builds the same document from values and feeds it to the
gateway's own parser (keep the two in step; the test also compares the keys used here with its own).
*/}}
{{- define "keygate.modelsFile" -}}
{{- $root := .root -}}
{{- $apiKeys := .apiKeys -}}
{{- $models := list -}}
{{- range $engine := $root.Values.engines -}}
{{- $instance := dict "url" (include "keygate.engineUrl" (dict "root" $root "engine" $engine)) "worker" $engine.name -}}
{{- if $root.Values.engineAuth.enabled -}}
{{- $_ := set $instance "api_key" (get $apiKeys $engine.name) -}}
{{- end -}}
{{- $model := dict "name" (default $engine.name $engine.servedModelName) "backend" $engine.backend "access_policy" (default "authed" $engine.accessPolicy) "allowed_users" (default (list) $engine.allowedUsers) "instances" (list $instance) -}}
{{- if $engine.description -}}
{{- $_ := set $model "description" $engine.description -}}
{{- end -}}
{{- if $engine.routes -}}
{{- $_ := set $model "routes" $engine.routes -}}
{{- end -}}
{{- $models = append $models $model -}}
{{- end -}}
{{- range $extra := $root.Values.extraModels -}}
{{- $models = append $models $extra -}}
{{- end -}}
{{- dict "models" $models | toPrettyJson -}}
{{- end -}}

{{/* Settings that values.schema.json cannot express; rendered by the gateway Deployment. */}}
{{- define "keygate.validate" -}}
{{- if and .Values.postgresql.enabled (or .Values.externalDatabase.url .Values.externalDatabase.existingSecret) -}}
{{- fail "set either postgresql.enabled or externalDatabase, not both" -}}
{{- end -}}
{{- if and (not (include "keygate.hasDatabase" .)) (or (gt (int .Values.gateway.replicaCount) 1) .Values.autoscaling.enabled) -}}
{{- fail "the embedded PGlite database supports one gateway replica: set postgresql.enabled=true or externalDatabase for gateway.replicaCount > 1 or autoscaling" -}}
{{- end -}}
{{- if and (eq (toString .Values.redis.enabled) "true") (or .Values.externalRedis.url .Values.externalRedis.existingSecret) -}}
{{- fail "set either redis.enabled=true or externalRedis, not both" -}}
{{- end -}}
{{- $engineNames := dict -}}
{{- $modelNames := dict -}}
{{- range $engine := .Values.engines -}}
{{- if hasKey $engineNames $engine.name -}}
{{- fail (printf "engines: name %q is used twice" $engine.name) -}}
{{- end -}}
{{- $_ := set $engineNames $engine.name true -}}
{{- $served := default $engine.name $engine.servedModelName -}}
{{- if hasKey $modelNames $served -}}
{{- fail (printf "engines: model name %q is served twice" $served) -}}
{{- end -}}
{{- $_ := set $modelNames $served true -}}
{{- $resourceName := include "keygate.engineFullname" (dict "root" $ "engine" $engine) -}}
{{- if gt (len $resourceName) 63 -}}
{{- fail (printf "engine resource name %q is longer than 63 characters: shorten the engine name or the release name" $resourceName) -}}
{{- end -}}
{{- end -}}
{{- end -}}

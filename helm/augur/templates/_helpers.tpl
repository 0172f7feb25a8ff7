{{/* The chart name, or nameOverride. */}}
{{- define "augur.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The resource name: fullnameOverride, or <release>-<chart> (just <release> when it already contains the chart name). */}}
{{- define "augur.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "augur.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every resource. */}}
{{- define "augur.labels" -}}
helm.sh/chart: {{ include "augur.chart" . }}
{{ include "augur.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: server
{{- end }}

{{/* Labels that select augur's pods; never change them after an install. */}}
{{- define "augur.selectorLabels" -}}
app.kubernetes.io/name: {{ include "augur.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the pod runs as. */}}
{{- define "augur.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "augur.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the store is the embedded SQLite file (no PostgreSQL URL given). */}}
{{- define "augur.sqlite" -}}
{{- if and (not .Values.store.url) (not .Values.store.existingSecret.name) }}true{{ end }}
{{- end }}

{{/* The Secret and key the PostgreSQL URL is read from. */}}
{{- define "augur.storeSecretName" -}}
{{- default (printf "%s-store" (include "augur.fullname" .)) .Values.store.existingSecret.name }}
{{- end }}
{{- define "augur.storeSecretKey" -}}
{{- if .Values.store.existingSecret.name }}{{ .Values.store.existingSecret.key }}{{ else }}url{{ end }}
{{- end }}

{{/* The image reference. */}}
{{- define "augur.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Where things are mounted in the container. */}}
{{- define "augur.dataDir" -}}/var/lib/augur{{- end }}
{{- define "augur.tokensDir" -}}/var/run/augur/tokens{{- end }}
{{- define "augur.secretsDir" -}}/var/run/augur/secrets{{- end }}

{{/* The `secrets` entries as {namespace, name, secretName, volume, path}, as JSON: a string entry is a
flat Secret name. The volume is named after the entry while that is a valid name, else a hash. */}}
{{- define "augur.secretMounts" -}}
{{- $mounts := list }}
{{- range .Values.secrets }}
{{- $entry := kindIs "string" . | ternary (dict "name" .) . }}
{{- $namespace := $entry.namespace | default "" }}
{{- if eq $.Values.secretsLayout "namespaced" }}
{{- if not $namespace }}
{{- fail (printf "secrets: entry %q names no namespace: with secretsLayout namespaced a run reads only its own namespace's secrets, so write {namespace: <the runs' namespace>, name: %s} (or set secretsLayout: flat to let every namespace read it)" $entry.name $entry.name) }}
{{- end }}
{{- else if $namespace }}
{{- fail (printf "secrets: entry %q names namespace %q, but secretsLayout is flat (every namespace reads every secret): drop the namespace or set secretsLayout: namespaced" $entry.name $namespace) }}
{{- end }}
{{- $path := compact (list $namespace $entry.name) | join "/" }}
{{- $volume := printf "secret-%s" ($path | replace "/" "-" | replace "." "-") }}
{{- if or (gt (len $volume) 63) (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $volume)) }}
{{- $volume = printf "secret-%s" (sha256sum $path | trunc 16) }}
{{- end }}
{{- $mounts = append $mounts (dict "name" $entry.name "secretName" ($entry.secretName | default $entry.name) "volume" $volume "path" $path) }}
{{- end }}
{{- toJson $mounts }}
{{- end }}

{{/* Refuse values that cannot work, with a message saying what to set instead. */}}
{{- define "augur.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (include "augur.sqlite" .) }}
{{- fail (printf "replicaCount > 1 needs PostgreSQL: set store.url or store.existingSecret.name (replicaCount is %d; the embedded SQLite store is one file on one volume, for one replica)" (int .Values.replicaCount)) }}
{{- end }}
{{- if and .Values.store.url (not .Values.store.existingSecret.name) (not (hasPrefix "postgresql+asyncpg://" .Values.store.url)) }}
{{- fail "store.url must start with postgresql+asyncpg:// (leave it empty for the embedded SQLite store)" }}
{{- end }}
{{- $tokenEnv := false }}
{{- range .Values.env }}
{{- if has .name (list "AUGUR_TOKENS" "AUGUR_TOKENS_FILE") }}{{ $tokenEnv = true }}{{ end }}
{{- end }}
{{- if not (has .Values.secretsLayout (list "namespaced" "flat")) }}
{{- fail (printf "secretsLayout must be namespaced or flat, got %q" .Values.secretsLayout) }}
{{- end }}
{{- if and (not .Values.tokens.existingSecret) (not $tokenEnv) }}
{{- fail "tokens.existingSecret is empty: without API tokens augur serves on 127.0.0.1 only (its probes would fail). Create a Secret of `scope token` lines and name it in tokens.existingSecret" }}
{{- end }}
{{- $_ := include "augur.secretMounts" . }}
{{- end }}
